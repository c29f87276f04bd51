/**
 * The Python Celery peer of the canvas rows: `celery -A canvas_app worker` (bench/python), prefork
 * pool, started and stopped by the bench's one Python worker launcher (`python-peer/python-worker.ts`).
 */
import { startPythonWorker } from '../python-peer/python-worker.js';
import type { PythonWorker } from '../python-peer/python-worker.js';

export { pythonCeleryVersion } from '../python-peer/python-worker.js';

/** A running Python worker. */
export type PythonCanvasWorker = PythonWorker;

/** Starts the worker on `queue` and resolves once it logged `ready.` (at log level INFO). */
export async function startPythonCanvasWorker(redisUrl: string, queue: string, concurrency: number, timeoutMs = 60_000): Promise<PythonCanvasWorker> {
  return startPythonWorker({ app: 'canvas_app', redisUrl, queue, pool: 'prefork', concurrency, logLevel: 'info', readyText: ' ready.', timeoutMs });
}
