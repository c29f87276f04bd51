/** Options of the Redis broker, their defaults and their validation. */
import type { RedisClient } from '@celerity/redis-common/internal';
import { ConfigurationError } from '@celerity/core';
import type { RedisSslSettings } from '@celerity/redis-common';
import type { BrokerCommonOptions } from '@celerity/core';
import { replicaWaitOptions, sentinelSettingsFrom } from '@celerity/redis-common/internal';
import type { ReplicaWaitOptions, SentinelSettings } from '@celerity/redis-common/internal';
import { MIN_PARK_ETA_AFTER } from './parking.js';

/** Options of {@link createRedisBroker} (kombu transport option names in parentheses). */
export interface RedisBrokerOptions extends BrokerCommonOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS
   * (`?ssl_cert_reqs=CERT_NONE` skips certificate checks), kombu's Sentinel form
   * `sentinel://[[user]:password@]host[:port][/db];sentinel://host2[:port];…` (one URL per
   * sentinel, default port 26379; the password and db of the first are the primary's; needs
   * `masterName`), or `rediscluster://[[user]:password@]host:port[,host:port…]` for a Redis Cluster
   * (startup nodes; the cluster key layout applies, see the README). Ignored when `client` is given.
   * @default 'redis://localhost:6379/0'
   */
  url?: string;
  /**
   * With a `sentinel://` URL: the name the sentinels monitor the primary under (kombu's
   * `master_name` transport option). Every connection (commands, blocking reads, pub/sub) asks the
   * sentinels for the current primary each time it (re)connects, so all of them follow a failover.
   */
  masterName?: string;
  /** With a `sentinel://` URL: the sentinels' own password (kombu's `sentinel_kwargs={'password': …}`). @default none */
  sentinelPassword?: string;
  /** With a `sentinel://` URL: the sentinels' own username (`sentinel_kwargs={'username': …}`). @default none */
  sentinelUsername?: string;
  /**
   * With a `sentinel://` URL: TLS to the sentinels themselves (kombu's
   * `sentinel_kwargs={'ssl': True, 'ssl_ca_certs': …}`, redis-py's names), `true` for the defaults.
   * `ssl` is the TLS of the connections to the primary. @default none
   */
  sentinelSsl?: RedisSslSettings | boolean;
  /**
   * Opt-in durable publish: after each `publish` / `publishMany`, `WAIT` until this many replicas
   * acknowledged it, else reject with `ReplicaWaitError` (the message stays published on the
   * primary). Redis replication is asynchronous: without this, a publish the primary acknowledged
   * is lost if the primary dies before a replica copied it and that replica is promoted. `WAIT`
   * confirms receipt in the replicas' memory, not an fsync. 0 = off. Refused on a Redis Cluster.
   * @default 0
   */
  waitReplicas?: number;
  /** Milliseconds `waitReplicas` waits for the replicas before rejecting (whole, ≥ 1). @default 1000 */
  waitReplicasTimeout?: number;
  /**
   * An existing ioredis client to use for commands: a `Redis`, or a `Cluster` (the cluster key layout
   * then applies). The broker never closes it; it opens its own duplicates for blocking reads and
   * pub/sub (and closes those). Don't set ioredis' own `keyPrefix` on it: use this broker's `keyPrefix`.
   */
  client?: RedisClient;
  /**
   * Celery's `broker_use_ssl`: TLS with a CA, a client certificate, `ssl_cert_reqs` and
   * `ssl_check_hostname` (redis-py's names; files are read when connecting). It turns TLS on for a
   * `redis://` URL too; `true` is TLS with the defaults. Query options of a `rediss://` URL win.
   * With `rediscluster://` it is the TLS of every node (the URL's `ssl_*` query options turn it on
   * too); with `sentinel://`, of the connections to the primary (see `sentinelSsl`). Without a
   * host name in the URL (cluster, Sentinel), certificates are checked against the address connected to.
   * Ignored when `client` is given.
   * @default undefined (TLS only for `rediss://`)
   * @example createRedisBroker({ url: 'rediss://cache:6380/0', ssl: { ssl_ca_certs: '/etc/ssl/ca.pem' } })
   */
  ssl?: RedisSslSettings | boolean;
  /**
   * Prefix concatenated as-is to every key and pub/sub channel (`global_keyprefix`), e.g. `'myapp:'`.
   * @default ''
   */
  keyPrefix?: string;
  /**
   * Seconds a message may go without a sign of life from its holder before any consumer's restore
   * pass (ours or a Python worker's) gives it back to its queue (`visibility_timeout`). A live broker
   * refreshes the `unacked_index` score of every message it holds every third of this (at least every
   * 250 ms), so ETA tasks and long runs are never handed out twice while their holder lives; a holder
   * that dies stops refreshing, and its messages come back after this long. Unlike kombu, which never
   * refreshes: a Python worker holding a task longer than this still loses it to a restore.
   * @default 3600
   */
  visibilityTimeout?: number;
  /** Most messages one fetch takes (one Lua call), 1–1000; the prefetch window also caps it. @default 100 */
  batchSize?: number;
  /** Seconds an idle consumer blocks in BLMOVE before polling again (`polling_interval`). @default 1 */
  pollInterval?: number;
  /** Seconds between two visibility-timeout restore passes while consuming (they also promote parked messages). @default 10 */
  restoreInterval?: number;
  /**
   * Opt-in: a message published with an ETA further away than this many seconds (at least 60) is
   * parked in the zset `<keyPrefix>_celerity.parked` instead of its queue, and moved onto the queue
   * half this long before its ETA by the restore pass of any Celerity consumer of this Redis, or by
   * this broker every `restoreInterval` while it is open. Workers then hold at most the tasks due
   * within half this time. Python workers see an ordinary message once it is promoted, but never
   * promote one themselves. Not supported on a Redis Cluster (`ConfigurationError`).
   * @default undefined (never park)
   */
  parkEtaAfter?: number;
  /**
   * Milliseconds a publish (and ack) keeps retrying while the connection is down before failing
   * with `ConnectionError`; a publish's own `timeout` option overrides it.
   * @default 10000
   */
  publishTimeout?: number;
  /** Clock seam (milliseconds since the epoch) for the `unacked_index` scores and the restore pass. @default Date.now */
  now?: () => number;
  /** Delivery tag generator seam. @default crypto.randomUUID */
  generateId?: () => string;
}

/** Options with defaults applied. */
export interface ResolvedRedisBrokerOptions {
  keyPrefix: string;
  visibilityTimeout: number;
  batchSize: number;
  pollInterval: number;
  restoreInterval: number;
  publishTimeout: number;
  parkEtaAfter: number | undefined;
  /** `waitReplicas` and its timeout; undefined when off. */
  waitReplicas: ReplicaWaitOptions | undefined;
  /** The Sentinel settings for a `sentinel://` URL. */
  sentinel: SentinelSettings;
}

function positive(name: string, value: number | undefined, fallback: number, integer = false, max = Infinity): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigurationError(`Redis broker option ${name} must be a positive ${integer ? 'integer' : 'number'}${max < Infinity ? ` up to ${max}` : ''}, got ${String(value)}`);
  }
  return value;
}

function parkEtaAfter(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_PARK_ETA_AFTER) {
    throw new ConfigurationError(`Redis broker option parkEtaAfter must be a number of seconds ≥ ${MIN_PARK_ETA_AFTER}, got ${String(value)}`);
  }
  return value;
}

/** Applies defaults and checks ranges; throws `ConfigurationError`. */
export function resolveOptions(options: RedisBrokerOptions): ResolvedRedisBrokerOptions {
  if (options.keyPrefix !== undefined && typeof options.keyPrefix !== 'string') throw new ConfigurationError('Redis broker option keyPrefix must be a string');
  return {
    keyPrefix: options.keyPrefix ?? '',
    visibilityTimeout: positive('visibilityTimeout', options.visibilityTimeout, 3600),
    batchSize: positive('batchSize', options.batchSize, 100, true, 1000),
    pollInterval: positive('pollInterval', options.pollInterval, 1),
    restoreInterval: positive('restoreInterval', options.restoreInterval, 10),
    publishTimeout: options.publishTimeout === 0 ? 0 : positive('publishTimeout', options.publishTimeout, 10_000),
    parkEtaAfter: parkEtaAfter(options.parkEtaAfter),
    waitReplicas: replicaWaitOptions('Redis broker', options.waitReplicas, options.waitReplicasTimeout),
    sentinel: sentinelSettingsFrom(options as Record<string, unknown>),
  };
}

const ADAPTER_KEYS: Record<string, keyof RedisBrokerOptions> = {
  keyPrefix: 'keyPrefix',
  global_keyprefix: 'keyPrefix',
  visibilityTimeout: 'visibilityTimeout',
  visibility_timeout: 'visibilityTimeout',
  batchSize: 'batchSize',
  pollInterval: 'pollInterval',
  polling_interval: 'pollInterval',
  restoreInterval: 'restoreInterval',
  unacked_restore_interval: 'restoreInterval',
  publishTimeout: 'publishTimeout',
  parkEtaAfter: 'parkEtaAfter',
  park_eta_after: 'parkEtaAfter',
  waitReplicas: 'waitReplicas',
  wait_replicas: 'waitReplicas',
  waitReplicasTimeout: 'waitReplicasTimeout',
  wait_replicas_timeout: 'waitReplicasTimeout',
  ssl: 'ssl',
  broker_use_ssl: 'ssl',
};
const STRING_KEYS = new Set<keyof RedisBrokerOptions>(['keyPrefix']);

/**
 * Reads broker options given as untyped settings (`AdapterContext.options`), accepting our names and
 * kombu's transport option names (`global_keyprefix`, `visibility_timeout`, `polling_interval`,
 * `master_name`, `sentinel_kwargs`), and Celery's `broker_use_ssl` (an object or a boolean) for
 * `ssl`. Unknown keys are ignored; known keys of the wrong type throw `ConfigurationError`.
 */
export function optionsFromSettings(settings: Record<string, unknown> | undefined): RedisBrokerOptions {
  const out: Record<string, unknown> = { ...sentinelSettingsFrom(settings ?? {}) };
  for (const [key, value] of Object.entries(settings ?? {})) {
    const name = ADAPTER_KEYS[key];
    if (name === undefined || value === undefined) continue;
    if (name === 'ssl') {
      if (typeof value !== 'boolean' && (typeof value !== 'object' || value === null)) throw new ConfigurationError(`Redis broker option ${key} must be an object or a boolean`);
      out[name] = value;
      continue;
    }
    const expected = STRING_KEYS.has(name) ? 'string' : 'number';
    if (typeof value !== expected) throw new ConfigurationError(`Redis broker option ${key} must be a ${expected}`);
    out[name] = value;
  }
  return out as RedisBrokerOptions;
}
