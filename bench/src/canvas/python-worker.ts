/**
 * The Python Celery peer of the canvas rows: `celery -A canvas_app worker` (bench/python) with the
 * system's Python 3, prefork pool, in its own process group so stopping it stops its children.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const APP_DIR = fileURLToPath(new URL('../../python', import.meta.url));
const PYTHON = process.env['BENCH_PYTHON'] ?? '/usr/bin/python3';

/** Celery's version, or why it cannot run. */
export async function pythonCeleryVersion(): Promise<{ celery: string } | { unavailable: string }> {
  try {
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', 'import celery; print(celery.__version__)'], { timeout: 30_000 });
    return { celery: stdout.trim() };
  } catch (error) {
    return { unavailable: `${PYTHON} cannot import celery: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** A running Python worker. */
export interface PythonCanvasWorker {
  stop(): Promise<void>;
}

/** Starts the worker on `queue` and resolves once it logged `ready.`. */
export async function startPythonCanvasWorker(redisUrl: string, queue: string, concurrency: number, timeoutMs = 60_000): Promise<PythonCanvasWorker> {
  const args = ['-m', 'celery', '-A', 'canvas_app', 'worker', '-Q', queue, '-c', String(concurrency), '-P', 'prefork', '-l', 'info', '-n', `canvas-py-${process.pid}@bench`, '--without-gossip', '--without-mingle', '--without-heartbeat'];
  const child: ChildProcess = spawn(PYTHON, args, { cwd: APP_DIR, env: { ...process.env, BROKER_URL: redisUrl, QUEUE: queue }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Python Celery worker not ready within ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      // Only the tail matters: the ready line, or the error before an exit.
      output = (output + chunk.toString('utf8')).slice(-20_000);
      if (output.includes(' ready.')) {
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
    await stop();
    throw error;
  });
  return { stop };
}
