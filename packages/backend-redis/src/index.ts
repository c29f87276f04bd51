/**
 * @celerity/backend-redis — Celery's Redis result backend: `celery-task-meta-<id>` values that
 * Python Celery reads and writes, push-based waits over one shared pub/sub connection, groups and chords.
 */
export { createRedisBackend } from './backend.js';
export { backendAdapter } from './adapter.js';
export { REDIS_BACKEND_DEFAULTS } from './options.js';
export type { RedisBackendOptions } from './options.js';
export type { BackendTimers } from './timers.js';
export { createKeySpace, normalizeKeyPrefix, TASK_KEY_PREFIX, GROUP_KEY_PREFIX } from './keys.js';
export type { KeySpace } from './keys.js';
export { toCeleryMeta, fromCeleryMeta } from './meta.js';
export { parseRedisUrl } from './url.js';
export type { RedisUrlOptions } from './url.js';
