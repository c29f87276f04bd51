/**
 * A fixed number of worker slots, each kept filled like a service manager would (Restart=always):
 * a worker that ends while the pool runs is started again after a short delay. Abrupt ends are
 * remembered as deaths, with whether the harness caused them.
 */
import { sleep } from '@celerity/testing/internal';
import type { Death } from '../faults.js';
import type { WorkerProcess, WorkerSpec } from './worker-process.js';
import { startWorkerProcess } from './worker-process.js';

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  size: number;
  /** The spec of slot `slot` (0-based), start number `generation` (0 for the first). */
  spec(slot: number, generation: number): WorkerSpec;
  /** Milliseconds between a worker's end and its replacement. @default 250 */
  restartDelayMs?: number;
  /** Starts a process; a seam for tests. @default startWorkerProcess */
  start?: (spec: WorkerSpec) => WorkerProcess;
}

/** A pool of supervised workers. */
export interface WorkerPool {
  /** Starts every slot. */
  start(): void;
  /** The process in a slot now (undefined between a death and its replacement). */
  current(slot: number): WorkerProcess | undefined;
  /** Whether the slot's process runs and has not been sent a kill. */
  isUp(slot: number): boolean;
  /** SIGKILLs the worker in a slot; returns its pid, or undefined if the slot is empty. */
  kill(slot: number): number | undefined;
  /** Abrupt ends seen so far. */
  readonly deaths: readonly Death[];
  /** Every process started, in order. */
  readonly started: readonly WorkerProcess[];
  /** Stops supervising and shuts every worker down (SIGTERM, SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * @example
 * const pool = createWorkerPool({ size: 2, spec: (slot, gen) => ({ ...base, hostname: `w${slot}-${gen}@chaos` }) });
 * pool.start();
 * pool.kill(0);
 */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const start = options.start ?? startWorkerProcess;
  const delay = options.restartDelayMs ?? 250;
  const slots: Array<WorkerProcess | undefined> = new Array(options.size).fill(undefined);
  const generations: number[] = new Array(options.size).fill(0);
  const killTimes = new Map<number, number>();
  const deaths: Death[] = [];
  const started: WorkerProcess[] = [];
  const pending = new Set<Promise<void>>();
  let supervising = false;

  const launch = (slot: number): void => {
    const worker = start(options.spec(slot, generations[slot]!++));
    slots[slot] = worker;
    started.push(worker);
    const watched = worker.exited.then(async (exit) => {
      if (slots[slot] === worker) slots[slot] = undefined;
      if (!supervising) return;
      // While supervising, every end is abrupt: nobody asked it to stop.
      // A kill counts from when it was sent: tasks that started before then were running when it hit.
      const killedAt = killTimes.get(worker.pid);
      deaths.push({ pid: worker.pid, at: killedAt ?? exit.at, cause: killedAt === undefined ? 'died' : 'killed by harness' });
      await sleep(delay);
      if (supervising) launch(slot);
    });
    pending.add(watched);
    void watched.finally(() => pending.delete(watched));
  };
  return {
    start() {
      supervising = true;
      for (let slot = 0; slot < options.size; slot++) launch(slot);
    },
    current: (slot) => slots[slot],
    isUp(slot) {
      const worker = slots[slot];
      return worker !== undefined && worker.running && !killTimes.has(worker.pid);
    },
    kill(slot) {
      const worker = slots[slot];
      if (worker === undefined || !worker.running || killTimes.has(worker.pid)) return undefined;
      killTimes.set(worker.pid, Date.now());
      worker.signal('SIGKILL');
      return worker.pid;
    },
    deaths,
    started,
    async stop(graceMs = 15_000) {
      supervising = false;
      const live = slots.filter((w): w is WorkerProcess => w !== undefined && w.running);
      for (const worker of live) worker.signal('SIGTERM');
      const timer = setTimeout(() => {
        for (const worker of live) worker.signal('SIGKILL');
      }, graceMs);
      await Promise.all(live.map((w) => w.exited));
      clearTimeout(timer);
      await Promise.all([...pending]);
    },
  };
}
