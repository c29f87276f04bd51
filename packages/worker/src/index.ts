/**
 * @celerity/worker — runs Celery tasks defined in TypeScript; also ships the `celerity` command.
 */
export { createWorker } from './worker.js';
export type { RevokedTasks, StopOptions, TaskObserver, Worker, WorkerOptions, WorkerStats } from './worker.js';
export type { RateLimitsOptions } from './rate-limits.js';
export type { WorkerPool } from './worker-options.js';
export type { AutoscaleOptions, PoolName } from './pool/pool-config.js';
export type { EventLoopLag } from './pool/event-loop-lag.js';
