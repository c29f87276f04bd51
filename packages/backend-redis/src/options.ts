import type { Logger, Serializer } from '@celerity/core';
import type { RedisOptions } from 'ioredis';
import type { RedisSslSettings } from '@celerity/redis-common';
import type { RedisClient } from '@celerity/redis-common/internal';
import type { BackendTimers } from './timers.js';

/** Options of {@link createRedisBackend}. */
export interface RedisBackendOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS (Celery's
   * `?ssl_cert_reqs=none` skips certificate checks), Celery's Sentinel form
   * `sentinel://[[user]:password@]host[:port][/db];sentinel://host2[:port];…` (one URL per
   * sentinel, default port 26379; the password and db of the first are the primary's; needs
   * `masterName`), or `rediscluster://[[user]:password@]host:port[,host:port…]` for a Redis Cluster
   * (startup nodes; group keys then carry a hash tag, see the README). Ignored when `client` is given.
   * @default 'redis://localhost:6379/0'
   */
  url?: string;
  /**
   * With a `sentinel://` URL: the name the sentinels monitor the primary under (Celery's
   * `result_backend_transport_options={'master_name': …}`). The command and pub/sub connections ask
   * the sentinels for the current primary on every (re)connect, so both follow a failover.
   */
  masterName?: string;
  /** With a `sentinel://` URL: the sentinels' own password (`sentinel_kwargs={'password': …}`). @default none */
  sentinelPassword?: string;
  /** With a `sentinel://` URL: the sentinels' own username (`sentinel_kwargs={'username': …}`). @default none */
  sentinelUsername?: string;
  /**
   * With a `sentinel://` URL: TLS to the sentinels themselves (Celery's
   * `result_backend_transport_options={'sentinel_kwargs': {'ssl': True, 'ssl_ca_certs': …}}`),
   * `true` for the defaults. `ssl` is the TLS of the connections to the primary. @default none
   */
  sentinelSsl?: RedisSslSettings | boolean;
  /**
   * Opt-in durable store: after each `store` / `storeMany`, `WAIT` until this many replicas
   * acknowledged the result, else reject with `ReplicaWaitError` (the result stays stored on the
   * primary). Without it, a result the primary acknowledged is lost if the primary dies before a
   * replica copied it and that replica is promoted. Group and chord writes are not covered. 0 = off.
   * Refused on a Redis Cluster (`ConfigurationError`).
   * @default 0
   */
  waitReplicas?: number;
  /** Milliseconds `waitReplicas` waits for the replicas before rejecting (whole, ≥ 1). @default 1000 */
  waitReplicasTimeout?: number;
  /**
   * An existing ioredis client to run commands on, a `Redis` or a `Cluster` (the cluster layout then
   * applies); it is not closed by `close()`. The pub/sub connection is a `duplicate()` of it. Must
   * not use ioredis' own `keyPrefix` (use ours).
   */
  client?: RedisClient;
  /**
   * Celery's `redis_backend_use_ssl`: TLS with a CA, a client certificate, `ssl_cert_reqs` and
   * `ssl_check_hostname` (redis-py's names; files are read when connecting). It turns TLS on for a
   * `redis://` URL too; `true` is TLS with the defaults. Query options of a `rediss://` URL win.
   * With `rediscluster://` it is the TLS of every node (the URL's `ssl_*` query options turn it on
   * too); with `sentinel://`, of the connections to the primary (see `sentinelSsl`). Without a
   * host name in the URL (cluster, Sentinel), certificates are checked against the address connected to.
   * Ignored when `client` is given.
   * @default undefined (TLS only for `rediss://`)
   * @example createRedisBackend({ url: 'rediss://cache:6380/1', ssl: { ssl_ca_certs: '/etc/ssl/ca.pem' } })
   */
  ssl?: RedisSslSettings | boolean;
  /** @default silentLogger */
  logger?: Logger;
  /**
   * Celery's `result_serializer`; Python peers must be configured with the same one (the stored
   * value carries no content type). JSON output is written with Python's `", "` / `": "`
   * separators, so stored values are byte-equal to a Python worker's.
   * @default createJsonSerializer() from @celerity/core
   */
  serializer?: Serializer;
  /**
   * Seconds results (and group / chord keys) live: Celery's `result_expires`. 0 or null = forever.
   * @default 86400
   */
  expires?: number | null;
  /**
   * Celery 5.5+ `result_backend_transport_options={'global_keyprefix': …}`: prepended to every key
   * and channel, followed by `_` unless it ends in `:`, `_`, `-` or `.`. (Celery 5.3–5.4 always add
   * `_`: pass `'myapp:_'` to talk to those.)
   * @default '' (no prefix)
   */
  keyPrefix?: string;
  /** `CLIENT SETNAME` of the connections this backend opens (the command and the pub/sub one). */
  connectionName?: string;
  /**
   * Drop a `watch(id)` nobody waited for after this many milliseconds (up to one second later: the
   * watches of a one-second window share one expiry timer).
   * @default 600000 (10 minutes)
   */
  watchTimeout?: number;
  /**
   * Most ids watched at once; the oldest watch is dropped first.
   * @default 100000
   */
  maxWatched?: number;
  /**
   * How waits listen for results. `prefix`: the ids this backend mints (`newTaskId`, used by the
   * client for every task it sends) share a random first group, and one `PSUBSCRIBE` covers all of
   * them, so a task costs no SUBSCRIBE / UNSUBSCRIBE and usually no GET. `task`: Celery's way, a
   * SUBSCRIBE per waited task. Ids given by the caller (`taskId`) always use `task`. Either way the
   * ids are uuid4 strings and results are published on Celery's channels.
   * @default 'prefix'
   */
  resultSubscription?: 'prefix' | 'task';
  /**
   * Extra ioredis options for the connections this backend opens (retry strategy, TLS…); on a
   * cluster, the options of every node connection.
   * `keyPrefix` and `replyMapping` are ours to decide (see `keyPrefix`).
   */
  redisOptions?: Omit<RedisOptions, 'keyPrefix' | 'replyMapping'>;
  /** Timer seam for tests. @default Node's setTimeout / clearTimeout */
  timers?: BackendTimers;
}

/** Defaults of {@link RedisBackendOptions}. */
export const REDIS_BACKEND_DEFAULTS = {
  url: 'redis://localhost:6379/0',
  expires: 86_400,
  watchTimeout: 600_000,
  maxWatched: 100_000,
} as const;
