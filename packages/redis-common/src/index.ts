/**
 * @celerity/redis-common — the foundation the Redis broker and the Redis result backend share. Not an
 * application API: what it offers applications is how the adapters read a Redis URL, for building
 * an ioredis client of one's own the same way (`createRedisBroker({ client })`).
 */
export { parseRedisUrl } from './url.js';
export type { RedisUrlOptions } from './url.js';
export { parseSentinelUrl } from './sentinel-url.js';
export type { SentinelUrlOptions } from './sentinel-url.js';
export { ReplicaWaitError } from './replica-wait.js';
export type { RedisSslSettings, RedisTlsOptions } from './ssl.js';
export { parseRedisClusterUrl } from './cluster-url.js';
export type { RedisClusterUrlOptions } from './cluster-url.js';
export type { RedisClient } from './redis-client.js';
