import { ConfigurationError } from '@celerity/core';
import type { BackendAdapter, Serializer } from '@celerity/core';
import { sentinelSettingsFrom } from '@celerity/redis-common/internal';
import { createRedisBackend } from './backend.js';
import type { RedisSslSettings } from '@celerity/redis-common';
import type { RedisBackendOptions } from './options.js';

function isSerializer(value: unknown): value is Serializer {
  const s = value as Partial<Serializer> | null;
  return typeof s === 'object' && s !== null && typeof s.encode === 'function' && typeof s.decode === 'function' && typeof s.name === 'string';
}

/** Picks the options this backend understands out of an adapter context's untyped bag. */
function readOptions(bag: Record<string, unknown>): RedisBackendOptions {
  const out: RedisBackendOptions = {};
  const wrong = (key: string, expected: string): never => {
    throw new ConfigurationError(`Redis result backend option ${key} must be ${expected}`);
  };
  const { keyPrefix, expires, serializer, connectionName, watchTimeout, maxWatched, resultSubscription, waitReplicas, waitReplicasTimeout } = bag;
  // Celery's setting name, or ours.
  const ssl = bag['redis_backend_use_ssl'] ?? bag['ssl'];
  if (ssl !== undefined) {
    out.ssl = typeof ssl === 'boolean' || (typeof ssl === 'object' && ssl !== null) ? (ssl as RedisSslSettings | boolean) : wrong('redis_backend_use_ssl', 'an object or a boolean');
  }
  if (keyPrefix !== undefined) out.keyPrefix = typeof keyPrefix === 'string' ? keyPrefix : wrong('keyPrefix', 'a string');
  if (expires !== undefined) out.expires = expires === null || typeof expires === 'number' ? expires : wrong('expires', 'a number of seconds or null');
  if (serializer !== undefined) out.serializer = isSerializer(serializer) ? serializer : wrong('serializer', 'a Serializer');
  if (connectionName !== undefined) out.connectionName = typeof connectionName === 'string' ? connectionName : wrong('connectionName', 'a string');
  if (watchTimeout !== undefined) out.watchTimeout = typeof watchTimeout === 'number' ? watchTimeout : wrong('watchTimeout', 'a number of ms');
  if (maxWatched !== undefined) out.maxWatched = typeof maxWatched === 'number' ? maxWatched : wrong('maxWatched', 'a number');
  if (resultSubscription !== undefined) {
    out.resultSubscription = resultSubscription === 'prefix' || resultSubscription === 'task' ? resultSubscription : wrong('resultSubscription', "'prefix' or 'task'");
  }
  if (waitReplicas !== undefined) out.waitReplicas = typeof waitReplicas === 'number' ? waitReplicas : wrong('waitReplicas', 'a number of replicas');
  if (waitReplicasTimeout !== undefined) {
    out.waitReplicasTimeout = typeof waitReplicasTimeout === 'number' ? waitReplicasTimeout : wrong('waitReplicasTimeout', 'a number of ms');
  }
  return { ...out, ...sentinelSettingsFrom(bag) };
}

/**
 * Resolves `redis://`, `rediss://`, `sentinel://` and `rediscluster://` (Redis Cluster) result backend
 * URLs; pass it in `adapters`. Options: our names, plus Celery's `result_backend_transport_options`
 * keys `master_name` and `sentinel_kwargs` (`{ password, username, ssl, ssl_ca_certs, … }`), and `redis_backend_use_ssl`.
 * @example
 * import { backendAdapter } from '@celerity/backend-redis';
 * const client = createClient({ backend: 'redis://localhost:6379/0', adapters: [backendAdapter] });
 */
export const backendAdapter: BackendAdapter = {
  kind: 'backend',
  schemes: ['redis', 'rediss', 'sentinel', 'rediscluster'],
  create(url, context) {
    return createRedisBackend({
      ...readOptions(context.options ?? {}),
      url,
      ...(context.logger ? { logger: context.logger } : {}),
    });
  },
};
