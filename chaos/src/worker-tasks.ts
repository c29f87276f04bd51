/**
 * The tasks the chaos workers run (`celerity worker -A chaos/src/worker-tasks.ts`). Each body writes
 * its start and its end to the ledger in `CHAOS_LEDGER_DIR` before going on, so the harness can
 * count executions without asking the system under test.
 */
import { defineTask } from '@celerity/core';
import type { TaskContext } from '@celerity/core';
import { openLedgerWriter } from './ledger/writer.js';

const dir = process.env['CHAOS_LEDGER_DIR'];
if (!dir) throw new Error('CHAOS_LEDGER_DIR is not set: the chaos tasks need a ledger directory');
const ledger = openLedgerWriter(dir);

/** `chaos.work(ms)`: sleeps `ms` milliseconds between its start and done records. */
export const work = defineTask({ name: 'chaos.work', params: ['ms'] }, async (ms: number, ctx: TaskContext) => {
  ledger.started(ctx.id, ctx.retries);
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  ledger.done(ctx.id, ctx.retries);
  return null;
});

/** `chaos.poison()`: kills its own process, every time it runs. */
export const poison = defineTask({ name: 'chaos.poison', params: [] }, (ctx: TaskContext) => {
  ledger.started(ctx.id, ctx.retries);
  process.kill(process.pid, 'SIGKILL');
  return null;
});
