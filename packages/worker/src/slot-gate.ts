/**
 * The concurrency gate: at most `concurrency` runs hold a slot at once; the rest wait in arrival
 * order. A run may give its slot back before it settles (its result only waits to be written), so
 * the gate counts slots taken and runs not settled apart.
 */

/** Options of {@link createSlotGate}. */
export interface SlotGateOptions<T, R> {
  /** Runs holding a slot at once (at least 1). */
  concurrency: number;
  /**
   * Starts a job. It may call `release` once its slot can take the next job, before the returned
   * promise settles; the slot is freed when the promise settles in any case.
   */
  run(job: T, release: () => void): Promise<R>;
  /** Called when a run settles, after its slot is free; `undefined` when `run` rejected. */
  settled(result: R | undefined, job: T): void;
  /** Called when a run gives its slot back (by `release` or by settling), before the next job starts. */
  released?(job: T): void;
  /** Called when `run` rejected (a bug in the worker's own machinery, never a task's error). */
  failed(error: unknown, job: T): void;
  /** Whether a waiting job is dropped rather than started (its delivery went stale). */
  skip?(job: T): boolean;
}

/** The gate between accepted jobs and running ones. */
export interface SlotGate<T> {
  /** Queues a job; it starts as soon as a slot is free. */
  push(job: T): void;
  /** Slots taken. */
  readonly active: number;
  /** Jobs waiting for a slot. */
  readonly waiting: number;
  /** Runs whose promise has not settled yet (a run that gave its slot back may still be storing). */
  readonly running: number;
  /** Slots now. */
  readonly concurrency: number;
  /** Changes the number of slots (at least 1): more start waiting jobs at once; fewer let running ones finish. */
  resize(concurrency: number): void;
  /** Starts nothing more; jobs pushed from now on wait until taken. */
  close(): void;
  /** Removes and returns the jobs waiting for a slot. */
  takeWaiting(): T[];
  /** Resolves once no run is unsettled. */
  settledAll(): Promise<void>;
}

/**
 * @example
 * const gate = createSlotGate({ concurrency: 10, run: (job, release) => execute(job, release), settled: record, failed: log });
 * gate.push(job);
 */
export function createSlotGate<T, R>(options: SlotGateOptions<T, R>): SlotGate<T> {
  let concurrency = Math.max(1, options.concurrency);
  const { run, settled, failed, skip, released } = options;
  const waiting: T[] = [];
  let open = true;
  let busy = 0;
  let running = 0;
  let settledWaiters: Array<() => void> = [];

  const pump = (): void => {
    while (open && busy < concurrency && waiting.length > 0) {
      const job = waiting.shift()!;
      if (skip?.(job)) continue;
      start(job);
    }
  };

  const start = (job: T): void => {
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      busy--;
      released?.(job);
      pump();
    };
    // One `then` with both handlers: a `.then().finally()` chain cost four promises and closures more per task.
    const settle = (result: R | undefined): void => {
      running--;
      release();
      if (running === 0 && settledWaiters.length > 0) {
        const waiters = settledWaiters;
        settledWaiters = [];
        for (const resolve of waiters) resolve();
      }
      settled(result, job);
    };
    busy++;
    running++;
    run(job, release).then(settle, (error: unknown) => {
      failed(error, job);
      settle(undefined);
    });
  };

  return {
    push(job) {
      waiting.push(job);
      pump();
    },
    get active() {
      return busy;
    },
    get waiting() {
      return waiting.length;
    },
    get running() {
      return running;
    },
    get concurrency() {
      return concurrency;
    },
    resize(size) {
      concurrency = Math.max(1, Math.floor(size));
      pump();
    },
    close() {
      open = false;
    },
    takeWaiting() {
      return waiting.splice(0);
    },
    settledAll() {
      if (running === 0) return Promise.resolve();
      return new Promise<void>((resolve) => settledWaiters.push(resolve));
    },
  };
}
