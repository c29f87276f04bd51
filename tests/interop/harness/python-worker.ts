/**
 * A real Celery worker (`celery -A celery_app worker`) started from a test, ready when it logs
 * `<node> ready.`, and always stopped: by the test, or by the harness when the file ends.
 */
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { PY_APP_DIR, pythonEnv, pythonRuntime, type PythonCeleryVersion } from './python-runtime.js';
import { exited, groupGone, signalGroup, spawnTracked } from './processes.js';

/** How a process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link startPythonWorker}. */
export interface PythonWorkerOptions {
  version: PythonCeleryVersion;
  /** `BROKER_URL`, `RESULT_BACKEND`, `QUEUE`, `SERIALIZER`, … as read by `celery_app.py`. */
  env?: Readonly<Record<string, string>>;
  /** Queues to consume (`-Q`). @default the app's default queue (env `QUEUE`, else `celery`) */
  queues?: readonly string[];
  /** Pool processes (`-c`). @default 1 */
  concurrency?: number;
  /** Pool (`-P`). @default 'solo' when concurrency is 1, else 'prefork' */
  pool?: 'solo' | 'prefork' | 'threads';
  /** Node name (`-n`); `%h` is expanded by Celery. @default `py<version>-<random>@celerity` */
  hostname?: string;
  /** Send task events (`-E`). @default false */
  events?: boolean;
  /** Keep Celery's gossip, mingle and heartbeat steps; off by default to start fast and alone. @default false */
  cluster?: boolean;
  /** `info` or `debug`: readiness is read from an INFO line. @default 'info' */
  logLevel?: 'info' | 'debug';
  /** More worker arguments, e.g. `['--prefetch-multiplier', '4']`. */
  args?: readonly string[];
  /** How long to wait for `ready.` before giving up. @default 60_000 */
  readyTimeout?: number;
}

/** Options of {@link PythonWorker.waitForLog}. */
export interface WaitForLogOptions {
  /** Only look at output after this offset (e.g. `worker.logs().length` taken before acting). @default 0 */
  since?: number;
  /** @default 30_000 */
  timeout?: number;
}

/** A running Python Celery worker. */
export interface PythonWorker {
  readonly version: PythonCeleryVersion;
  /** The node name the worker reported (`name@host`). */
  readonly nodeName: string;
  readonly pid: number;
  /** Everything the worker printed so far (stdout and stderr interleaved). */
  logs(): string;
  /** Resolves with the first match of `pattern` in the output; rejects with the logs on timeout or exit. */
  waitForLog(pattern: RegExp | string, options?: WaitForLogOptions): Promise<RegExpMatchArray>;
  /** Warm shutdown (SIGTERM to the main process); after `timeout` ms the whole process group is killed. Resolves when all are gone. @default 30_000 */
  stop(options?: { timeout?: number }): Promise<ExitInfo>;
  /** Sends `signal` to the worker and its pool processes; resolves when all are gone. @default 'SIGKILL' */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  [Symbol.asyncDispose](): Promise<void>;
}

const READY = /(\S+@\S+) ready\.\s*$/m;
const LOG_LIMIT = 4 * 1024 * 1024;

/** Collects a child's output and lets callers wait for patterns in it. */
function watchOutput(child: ChildProcess) {
  let text = '';
  // 'close' comes after the last output was read, unlike 'exit'.
  let closed = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    // A runaway worker must not exhaust the test process; the head (banner, errors) is what matters.
    if (text.length > LOG_LIMIT) text = text.slice(0, LOG_LIMIT / 2) + '\n…\n' + text.slice(-LOG_LIMIT / 2);
    notify();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.once('close', () => {
    closed = true;
    notify();
  });
  const waitFor = (pattern: RegExp | string, options: WaitForLogOptions, what: string) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const since = options.since ?? 0;
      const timeout = options.timeout ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      const check = () => {
        const tail = text.slice(since);
        const match = typeof pattern === 'string' ? (tail.includes(pattern) ? ([pattern] as RegExpMatchArray) : null) : tail.match(pattern);
        if (match) finish(() => resolve(match));
        else if (closed) {
          const how = `code ${child.exitCode}, signal ${child.signalCode}`;
          finish(() => reject(new Error(`${what}: exited (${how}) before printing ${String(pattern)}\n${text}`)));
        }
      };
      timer = setTimeout(() => finish(() => reject(new Error(`${what}: no ${String(pattern)} within ${timeout} ms\n${text}`))), timeout);
      listeners.add(check);
      check();
    });
  return { logs: () => text, waitFor };
}

/**
 * Starts a Celery worker of `version` on the Python side's `celery_app` and waits until it is ready.
 * The harness kills it when the test file ends if the test did not stop it.
 * @example
 * const worker = await startPythonWorker({ version: '5.5', env: { BROKER_URL: url, QUEUE: queue }, queues: [queue] });
 * try { ... } finally { await worker.stop(); }
 */
export async function startPythonWorker(options: PythonWorkerOptions): Promise<PythonWorker> {
  const runtime = pythonRuntime(options.version);
  const concurrency = options.concurrency ?? 1;
  const pool = options.pool ?? (concurrency === 1 ? 'solo' : 'prefork');
  const hostname = options.hostname ?? `py${options.version.replace('.', '')}-${randomBytes(4).toString('hex')}@celerity`;
  const argv = [
    ...runtime.python,
    '-m', 'celery', '-A', 'celery_app', 'worker',
    '-l', options.logLevel ?? 'info',
    '-P', pool,
    '-c', String(concurrency),
    '-n', hostname,
    ...(options.queues && options.queues.length > 0 ? ['-Q', options.queues.join(',')] : []),
    ...(options.events ? ['-E'] : []),
    ...(options.cluster ? [] : ['--without-gossip', '--without-mingle', '--without-heartbeat']),
    ...(options.args ?? []),
  ];
  const child = spawnTracked(argv, { env: pythonEnv(runtime.appDir, options.env ?? {}), cwd: PY_APP_DIR });
  const output = watchOutput(child);
  const what = `Celery ${runtime.celery} worker ${hostname}`;
  let nodeName: string;
  try {
    const spawnError = new Promise<never>((_, reject) => child.once('error', (error) => reject(new Error(`${what}: ${error.message}`))));
    const readyLine = output.waitFor(READY, { timeout: options.readyTimeout ?? 60_000 }, what);
    // Whichever loses the race must not surface later as an unhandled rejection.
    spawnError.catch(() => undefined);
    readyLine.catch(() => undefined);
    const ready = await Promise.race([readyLine, spawnError]);
    nodeName = ready[1] ?? hostname;
  } catch (error) {
    signalGroup(child, 'SIGKILL');
    await exited(child);
    throw error;
  }

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> => {
    signalGroup(child, signal);
    const info = await exited(child);
    // The leader's exit SIGKILLs the rest of the group (processes.ts); wait until it is really empty.
    await groupGone(child.pid ?? -1);
    return info;
  };
  const stop = async ({ timeout = 30_000 } = {}): Promise<ExitInfo> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited(child);
    // Only the main process: Celery's warm shutdown stops its own pool and finishes running tasks.
    child.kill('SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeout);
    const info = await exited(child);
    clearTimeout(timer);
    await groupGone(child.pid ?? -1);
    return info;
  };
  return {
    version: options.version,
    nodeName,
    pid: child.pid ?? -1,
    logs: output.logs,
    waitForLog: (pattern, waitOptions = {}) => output.waitFor(pattern, waitOptions, what),
    stop,
    kill,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
