/**
 * Opening a {@link BeatStore} from a URL, with the connection settings the Redis broker reads:
 * `redis://` / `rediss://`, kombu's `sentinel://` (its `master_name` and `sentinel_kwargs` from the
 * transport options) and `rediscluster://`, each with Celery's `broker_use_ssl` TLS settings.
 */
import { Redis } from 'ioredis';
import type { RedisSslSettings } from '@celerity/redis-common';
import {
  closeConnection,
  createClusterClient,
  isClusterUrl,
  isSentinelUrl,
  parseRedisClusterUrl,
  parseRedisUrl,
  sentinelConnectionOptions,
  sentinelSettingsFrom,
  type RedisClient,
} from '@celerity/redis-common/internal';
import { BeatStore, type BeatStoreOptions } from './store.js';

/** Options of {@link openBeatStore}. */
export interface OpenBeatStoreOptions extends BeatStoreOptions {
  /**
   * TLS settings in Celery's `broker_use_ssl` form (redis-py's names: `ssl_ca_certs`, `ssl_certfile`,
   * `ssl_keyfile`, `ssl_cert_reqs`, `ssl_check_hostname`), or `true`. They turn TLS on for
   * `redis://` and `rediscluster://` URLs too; a `rediss://` URL's query options win. With
   * `sentinel://`, the TLS of the connection to the primary.
   * @default undefined (TLS only for `rediss://` or a cluster URL with `ssl_*` query options)
   */
  ssl?: RedisSslSettings | boolean;
  /**
   * Transport options in Celery's `broker_transport_options` form; read for `sentinel://`:
   * `master_name` (required there) and `sentinel_kwargs` (`password`, `username`, and `ssl` with
   * redis-py's `ssl_*` keys for TLS to the sentinels). Other keys are not looked at.
   * @default {}
   */
  transportOptions?: Readonly<Record<string, unknown>>;
}

/** The store's connection for `url`: one server, a Sentinel-managed primary, or a cluster. */
function connect(url: string, options: OpenBeatStoreOptions): RedisClient {
  // Three attempts, then the command fails: a store that is down reaches the caller as an error.
  if (isClusterUrl(url)) return createClusterClient(parseRedisClusterUrl(url, options.ssl), { maxRetriesPerRequest: 3 });
  if (isSentinelUrl(url)) return new Redis({ ...sentinelConnectionOptions(url, sentinelSettingsFrom(options.transportOptions ?? {}), options.ssl), maxRetriesPerRequest: 3 });
  return new Redis({ ...parseRedisUrl(url, options.ssl), maxRetriesPerRequest: 3 });
}

/**
 * A {@link BeatStore} on its own connection, and how to close it. On a Redis Cluster the store's
 * keys share one hash slot (see {@link BeatStore}).
 * @throws ConfigurationError for a bad URL or setting (a `sentinel://` URL without `master_name`).
 * @example
 * const { store, close } = openBeatStore('sentinel://s1:26379;sentinel://s2:26379', { transportOptions: { master_name: 'mymaster' } });
 */
export function openBeatStore(url: string, options: OpenBeatStoreOptions = {}): { store: BeatStore; close(): Promise<void> } {
  const redis = connect(url, options);
  const storeOptions: BeatStoreOptions = options.prefix === undefined ? {} : { prefix: options.prefix };
  // A failure reaches the caller as the rejected command; the event would only repeat it.
  redis.on('error', () => undefined);
  return {
    store: new BeatStore(redis, storeOptions),
    // QUIT, then a disconnect: with sentinel:// it also closes the subscriptions to the sentinels.
    close: () => closeConnection(redis),
  };
}
