/** The harness side of the producer process: starts it, collects what it reports, notices when it stops answering. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProduceCommand, ProducerMessage } from './producer-protocol.js';
import type { ProducerResult } from './producer.js';

/** A producer process at work. */
export interface ProducerHandle {
  /** Resolves when it has published everything (or failed to), or was stopped. */
  readonly finished: Promise<void>;
  readonly done: boolean;
  /** Milliseconds since the epoch of its last heartbeat. */
  readonly lastAliveAt: number;
  /** Ids whose publish resolved so far (live, not a copy). */
  readonly sent: readonly string[];
  /** Kills it if still running (a hung client); what it never reported counts as not sent. */
  stop(): Promise<void>;
  /** What it reported so far. */
  result(): ProducerResult & { unreported: string[]; blockedSince: number | undefined };
}

const ENTRY = fileURLToPath(new URL('./producer-process.ts', import.meta.url));
/** A heartbeat (sent every 250 ms) older than this means the producer's event loop is not turning. */
export const PRODUCER_SILENT_MS = 3000;

/**
 * @example
 * const producer = startProducer({ type: 'produce', broker: 'redis', url, queue, tasks, rate: 0, batch: 100 });
 * await producer.finished;
 */
export function startProducer(command: ProduceCommand): ProducerHandle {
  const child = fork(ENTRY, [], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const startedAt = Date.now();
  let finishedAt = startedAt;
  let lastAliveAt = startedAt;
  let done = false;
  const sent: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  const finish = (): void => {
    if (done) return;
    done = true;
    finishedAt = Date.now();
    resolveFinished();
  };
  child.on('message', (message: ProducerMessage) => {
    lastAliveAt = Date.now();
    if (message.type === 'sent') sent.push(...message.ids);
    else if (message.type === 'failed') {
      failed.push(...message.ids);
      if (errors.length < 5) errors.push(message.error);
    } else if (message.type === 'error') {
      if (errors.length < 5) errors.push(`producer crashed: ${message.error}`);
      finish();
    } else if (message.type === 'done') finish();
  });
  child.once('exit', (code, signal) => {
    if (!done && errors.length < 5) errors.push(`producer process exited (${signal ?? code}) before finishing`);
    finish();
  });
  child.send(command);
  let blockedSince: number | undefined;
  return {
    finished,
    get done() {
      return done;
    },
    get lastAliveAt() {
      return lastAliveAt;
    },
    sent,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (!done && Date.now() - lastAliveAt > PRODUCER_SILENT_MS) blockedSince = lastAliveAt;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    result() {
      const reported = new Set([...sent, ...failed]);
      return {
        sent: [...sent],
        failed: [...failed],
        errors: [...errors],
        startedAt,
        finishedAt,
        unreported: command.tasks.map((t) => t.id).filter((id) => !reported.has(id)),
        blockedSince,
      };
    },
  };
}
