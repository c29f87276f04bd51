/**
 * Starts a system's worker in its own Node process and drives it over IPC: prepare → go → done →
 * closed, as many runs as the scenario needs. A bench started from `dist/` (what `pnpm bench` runs)
 * forks the compiled worker with plain `node`, as a deployed worker runs; one started from source
 * (`pnpm bench:source`, the tests) forks the TypeScript module through tsx.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './workers/protocol.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
/** True when this file runs compiled (`dist/worker-process.js`). */
export const FROM_DIST = import.meta.url.endsWith('.js');

/** What one timed run reports. */
export interface WorkerRun {
  /** Milliseconds from `go` to the last expected result stored. */
  ms: number;
  processed: number;
  /** CPU the worker process used meanwhile, in microseconds (user + system, all threads). */
  cpuUs: number;
}

/** Parameters of a run. */
export interface WorkerRunOptions {
  redisUrl: string;
  queue: string;
  concurrency: number;
  /** Milliseconds before the run is declared stuck. @default 300000 */
  timeout?: number;
}

/** A worker child process. */
export interface WorkerProcess extends AsyncDisposable {
  readonly pid: number;
  /** Builds a worker, then (after `beforeGo`) lets it consume until `expect` results are stored. */
  run(options: WorkerRunOptions & { expect: number; beforeGo?: () => Promise<void> }): Promise<WorkerRun>;
  /** Builds and starts a worker that serves until {@link stopServing}. */
  serve(options: WorkerRunOptions): Promise<void>;
  stopServing(): Promise<WorkerRun>;
  /** Peak resident set size of the process so far (VmHWM), in bytes. */
  peakRss(): Promise<number>;
  close(): Promise<void>;
}

/** A program the worker's `node` runs under, e.g. `valgrind --tool=callgrind` (events/events-profile.ts). */
export interface WorkerLauncher {
  command: string;
  /** Its arguments before node's path. */
  args: readonly string[];
}

/** How to start the child, beyond its module. */
export interface WorkerSpawnOptions {
  /** The `node` binary to run the child with (e.g. a newer Node a peer requires). @default process.execPath */
  execPath?: string;
  /** Variables added to the child's environment (e.g. a database URL). */
  env?: Record<string, string>;
  /** A program node runs under (events/events-profile.ts: valgrind). */
  launcher?: WorkerLauncher;
}

type Waiter = { type: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/**
 * Forks `src/workers/<module>` (under `spawn.launcher` when given) and waits for it to load.
 * @example
 * await using worker = await startWorkerProcess('bullmq.ts');
 * const run = await worker.run({ redisUrl, queue: 'bench', concurrency: 10, expect: 50_000 });
 */
export async function startWorkerProcess(module: string, extraExecArgv: readonly string[] = [], spawn: WorkerSpawnOptions = {}): Promise<WorkerProcess> {
  const compiled = FROM_DIST ? module.replace(/\.ts$/, '.js') : module;
  const nodeArgs = [...(FROM_DIST ? [] : ['--conditions=source', '--import', 'tsx']), ...extraExecArgv];
  // fork() runs `execPath …execArgv <module>`: a launcher goes first and is handed node and its flags.
  const child: ChildProcess = fork(fileURLToPath(new URL(`./workers/${compiled}`, import.meta.url)), [], {
    cwd: BENCH_DIR,
    ...(spawn.launcher === undefined
      ? { execArgv: nodeArgs, ...(spawn.execPath ? { execPath: spawn.execPath } : {}) }
      : { execPath: spawn.launcher.command, execArgv: [...spawn.launcher.args, spawn.execPath ?? process.execPath, ...nodeArgs] }),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    ...(spawn.env ? { env: { ...process.env, ...spawn.env } } : {}),
  });
  const inbox: FromWorker[] = [];
  const waiters: Waiter[] = [];
  let failure: Error | null = null;
  let lastRssBytes = 0;

  const fail = (error: Error): void => {
    failure = error;
    for (const w of waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  };
  child.on('message', (message: FromWorker) => {
    if (message.type === 'error') return fail(new Error(`worker ${module}: ${message.message}`));
    if (message.type === 'done') lastRssBytes = message.maxRssBytes;
    const index = waiters.findIndex((w) => w.type === message.type);
    if (index < 0) return void inbox.push(message);
    const [waiter] = waiters.splice(index, 1);
    clearTimeout(waiter!.timer);
    waiter!.resolve(message);
  });
  child.on('exit', (code, signal) => fail(new Error(`worker ${module} exited (${signal ?? code})`)));

  const next = <T extends FromWorker['type']>(type: T, timeout = 60_000): Promise<Extract<FromWorker, { type: T }>> => {
    const index = inbox.findIndex((m) => m.type === type);
    if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0] as Extract<FromWorker, { type: T }>);
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`worker ${module}: no '${type}' within ${timeout} ms`));
      }, timeout);
      const waiter: Waiter = { type, resolve: resolve as (m: FromWorker) => void, reject, timer };
      waiters.push(waiter);
    });
  };
  const post = (message: ToWorker): void => {
    if (failure) throw failure;
    child.send(message);
  };

  const ready = await next('ready', 60_000);
  const prepare = async (options: WorkerRunOptions, expect: number): Promise<void> => {
    post({ type: 'prepare', redisUrl: options.redisUrl, queue: options.queue, concurrency: options.concurrency, expect });
    await next('prepared');
  };
  const finished = async (timeout: number): Promise<WorkerRun> => {
    const done = await next('done', timeout);
    await next('closed');
    return { ms: done.ms, processed: done.processed, cpuUs: done.cpuUs };
  };

  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      child.send({ type: 'exit' } satisfies ToWorker);
    } catch {
      child.kill('SIGKILL');
    }
    await gone;
    clearTimeout(timer);
  };

  return {
    pid: ready.pid,
    async run(options) {
      await prepare(options, options.expect);
      await options.beforeGo?.();
      post({ type: 'go' });
      return finished(options.timeout ?? 300_000);
    },
    async serve(options) {
      await prepare(options, 0);
      post({ type: 'go' });
      await next('started');
    },
    async stopServing() {
      post({ type: 'finish' });
      return finished(60_000);
    },
    async peakRss() {
      try {
        const status = await readFile(`/proc/${ready.pid}/status`, 'utf8');
        const match = /VmHWM:\s+(\d+) kB/.exec(status);
        if (match) return Number(match[1]) * 1024;
      } catch {
        // Not Linux: fall back to the child's own getrusage figure.
      }
      return lastRssBytes;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
