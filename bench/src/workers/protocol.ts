/** Messages between the bench and a worker child process (over Node's IPC channel). */

/** What the bench asks a worker child to do. */
export type ToWorker =
  /** Build the worker (connections included) without consuming yet. `expect` 0 = serve until `finish`. */
  | { type: 'prepare'; redisUrl: string; queue: string; concurrency: number; expect: number }
  /** Start consuming; the clock starts here. */
  | { type: 'go' }
  /** Stop a worker started with `expect: 0`. */
  | { type: 'finish' }
  /** Exit the process. */
  | { type: 'exit' };

/** What a worker child reports. */
export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'prepared' }
  /** A worker prepared with `expect: 0` is consuming. */
  | { type: 'started' }
  /** `ms` from `go` to the last result stored; `cpuUs` the child's CPU (user + system) meanwhile. */
  | { type: 'done'; ms: number; processed: number; cpuUs: number; maxRssBytes: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** The worker a child process drives: built on `prepare`, started on `go`. */
export interface BenchWorker {
  /** Starts consuming. */
  start(): Promise<void>;
  /** Jobs whose result is stored so far (polled by the harness). */
  processed(): number;
  /** Stops and closes every connection. */
  stop(): Promise<void>;
}

/** Builds a {@link BenchWorker} for one run. */
export type BenchWorkerFactory = (options: { redisUrl: string; queue: string; concurrency: number }) => Promise<BenchWorker>;
