/**
 * `@celerity/testing/redis`: the Redis helpers alone (a private server, key cleanup), without the
 * conformance suites and so without vitest — what the bench imports, compiled.
 */
export { startRedisServer } from './redis-server.js';
export type { RedisServer, RedisServerOptions } from './redis-server.js';
export type { RedisServerTls } from './redis-socket.js';
export { deleteKeys, scanKeys } from './redis-keys.js';
export type { ScanClient } from './redis-keys.js';
export { freePort } from './free-port.js';
export { startSentinelTopology } from './redis-sentinel.js';
export type { SentinelTopology, SentinelTopologyOptions } from './redis-sentinel.js';
export { startRedisCluster } from './redis-cluster.js';
export type { RedisCluster, RedisClusterNode, RedisClusterOptions } from './redis-cluster.js';
