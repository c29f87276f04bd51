/**
 * The task side of the ledger: appends records to `<dir>/<pid>.log` with a synchronous write on an
 * O_APPEND descriptor. Once `started()` / `done()` returns, the line is in the kernel: a SIGKILL of the
 * worker right after cannot lose it, and no server under test is involved in keeping it.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { formatRecord } from './record.js';

/** Records what task bodies do in this process. */
export interface LedgerWriter {
  started(id: string, retries: number): void;
  done(id: string, retries: number): void;
  close(): void;
}

/** Options of {@link openLedgerWriter}; the seams let tests write records for a pid and time of their choosing. */
export interface LedgerWriterOptions {
  /** @default process.pid */
  pid?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * @example
 * const ledger = openLedgerWriter(process.env.CHAOS_LEDGER_DIR!);
 * ledger.started(ctx.id, ctx.retries); await work(); ledger.done(ctx.id, ctx.retries);
 */
export function openLedgerWriter(dir: string, options: LedgerWriterOptions = {}): LedgerWriter {
  const pid = options.pid ?? process.pid;
  const now = options.now ?? Date.now;
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, `${pid}.log`), 'a');
  // One write per record: lines are far below PIPE_BUF, so appends from one process never interleave.
  const write = (kind: 'start' | 'done', id: string, retries: number): void => void writeSync(fd, formatRecord({ kind, id, pid, t: now(), retries }));
  return {
    started: (id, retries) => write('start', id, retries),
    done: (id, retries) => write('done', id, retries),
    close: () => closeSync(fd),
  };
}
