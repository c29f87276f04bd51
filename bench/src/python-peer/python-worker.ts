/**
 * A Python Celery worker as a child of the bench: `python3 -m celery -A <app> worker` in bench/python
 * with the system's Python 3 (or `BENCH_PYTHON`), in its own process group so that stopping it
 * can reach the pool's children too. Stopping sends SIGTERM to the main process, Celery's warm shutdown
 * (running tasks finish, the pool's children are stopped by it), and waits for the exit; a worker that
 * has not exited within 15 s is SIGKILLed with its group, and that stop fails.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const APP_DIR = fileURLToPath(new URL('../../python', import.meta.url));
/** The Python that runs the workers. */
export const PYTHON = process.env['BENCH_PYTHON'] ?? '/usr/bin/python3';

/** Celery's version, or why it cannot run. */
export async function pythonCeleryVersion(): Promise<{ celery: string } | { unavailable: string }> {
  try {
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', 'import celery; print(celery.__version__)'], { timeout: 30_000 });
    return { celery: stdout.trim() };
  } catch (error) {
    return { unavailable: `${PYTHON} cannot import celery: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** Celery's `-P` pools the bench runs. */
export type PythonPool = 'prefork' | 'threads';

/** Options of {@link startPythonWorker}. */
export interface PythonWorkerOptions {
  /** Module under bench/python, e.g. `plain_app`. */
  app: string;
  redisUrl: string;
  queue: string;
  pool: PythonPool;
  concurrency: number;
  /** Celery's `-l`. @default 'warning' */
  logLevel?: string;
  /** Text in the worker's output that means it consumes. @default the line `plain_app.py` prints on `worker_ready` */
  readyText?: string;
  /** @default 60000 */
  timeoutMs?: number;
}

/** A running Python worker. */
export interface PythonWorker {
  /** The main process (a prefork pool's children are its children). */
  readonly pid: number;
  /** Warm shutdown, awaited; a no-op once it exited. Rejects when the worker had to be killed or exited with an error. */
  stop(): Promise<void>;
}

/** The line bench/python/plain_app.py prints when Celery's `worker_ready` signal fires. */
export const PLAIN_APP_READY = 'celerity-bench: worker ready';

/**
 * Starts the worker on `queue` and resolves once its output shows `readyText`.
 * @example
 * const worker = await startPythonWorker({ app: 'plain_app', redisUrl, queue: 'bench-py', pool: 'prefork', concurrency: 2 });
 * await worker.stop();
 */
export async function startPythonWorker(options: PythonWorkerOptions): Promise<PythonWorker> {
  const { app, redisUrl, queue, pool, concurrency } = options;
  const readyText = options.readyText ?? PLAIN_APP_READY;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const args = ['-m', 'celery', '-A', app, 'worker', '-Q', queue, '-c', String(concurrency), '-P', pool, '-l', options.logLevel ?? 'warning', '-n', `${app}-${pool}-${process.pid}@bench`, '--without-gossip', '--without-mingle', '--without-heartbeat'];
  const child: ChildProcess = spawn(PYTHON, args, { cwd: APP_DIR, env: { ...process.env, BROKER_URL: redisUrl, QUEUE: queue }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    // SIGTERM to the main process only: its warm shutdown stops the pool's children itself. The
    // whole group is killed only when it has not exited within 15 s.
    child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, 15_000);
    await exited;
    clearTimeout(timer);
    if (killed || child.exitCode !== 0) throw new Error(`Python Celery worker did not shut down cleanly (${killed ? 'killed after 15 s' : `exit ${child.exitCode ?? child.signalCode}`}):\n${output.slice(-2000)}`);
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Python Celery worker not ready within ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      // Only the tail matters: the ready line, or the error before an exit. Reading on keeps the pipes from filling.
      output = (output + chunk.toString('utf8')).slice(-20_000);
      if (output.includes(readyText)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`Python Celery worker exited before it was ready:\n${output.slice(-2000)}`));
    });
  }).catch(async (error: unknown) => {
    await stop().catch(() => undefined); // the error that matters is why it never got ready
    throw error;
  });
  return { pid: child.pid!, stop };
}
