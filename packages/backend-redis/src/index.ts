/**
 * @celerity/backend-redis — Celery's Redis result backend: `celery-task-meta-<id>` values that
 * Python Celery reads and writes, push-based waits over one shared pub/sub connection, groups and chords.
 */
export { createRedisBackend } from './backend.js';
export { backendAdapter } from './adapter.js';
export type { RedisBackendOptions } from './options.js';
export type { BackendTimers } from './timers.js';
export { ReplicaWaitError } from '@celerity/redis-common';
