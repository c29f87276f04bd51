/**
 * What @celerity/broker-redis and @celerity/backend-redis share. Not a public API: anything here may
 * change in any release.
 */
export { parseRedisUrl } from './url.js';
export type { RedisUrlOptions } from './url.js';
export { classifyRedisError, isConnectionError, isNoScriptError, mapRedisError } from './errors.js';
export type { RedisErrorKind, RedisErrorSource } from './errors.js';
export { logConnectionErrors } from './connection-log.js';
export { onAuthFailure } from './auth-failure.js';
export { closeConnection } from './close.js';
export type { Closable } from './close.js';
export type { ErrorEvents } from './auth-failure.js';
export type { ConnectionEvents } from './connection-log.js';
export { defineScript, runLoadedScript, runScript } from './scripts.js';
export type { LuaScript, RedisArg } from './scripts.js';
export { isSentinelUrl, parseSentinelUrl, sentinelConnectionOptions, sentinelSettingsFrom, DEFAULT_SENTINEL_PORT } from './sentinel-url.js';
export type { SentinelConnectionOptions, SentinelSettings, SentinelUrlOptions } from './sentinel-url.js';
export { ReplicaWaitError, replicaWaitOptions, waitForReplicas } from './replica-wait.js';
export type { ReplicaWaitOptions } from './replica-wait.js';
export { redisTlsOptions, REDIS_SSL_KEYS } from './ssl.js';
export type { RedisSslSettings, RedisTlsOptions } from './ssl.js';
// Redis Cluster
export { CLUSTER_SCHEME, isClusterUrl, parseRedisClusterUrl } from './cluster-url.js';
export type { RedisClusterUrlOptions } from './cluster-url.js';
export { createClusterClient, duplicateClient, isCluster, keySlot, tlsOf, tlsSettingsOf } from './redis-client.js';
export type { ClusterClientOptions, ConnectionOverrides, RedisClient } from './redis-client.js';
