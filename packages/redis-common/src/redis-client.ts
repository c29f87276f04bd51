/**
 * One type for the two kinds of ioredis client the adapters accept, a single server (`Redis`) or a
 * Redis Cluster (`Cluster`), and the few places where they differ: how a client is told apart, how
 * a duplicate connection is opened, and how a cluster client is built from a `rediscluster://` URL.
 */
import { Cluster, Command } from 'ioredis';
import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { RedisClusterUrlOptions } from './cluster-url.js';

/** An ioredis client: one server or a cluster. */
export type RedisClient = Redis | Cluster;

/** Whether `client` is an ioredis `Cluster` (its commands are routed by key slot). */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: unknown }).isCluster === true;
}

/** The TLS settings `client` connects with (a cluster's, per node), if any. */
export function tlsOf(client: RedisClient): RedisOptions['tls'] {
  return isCluster(client) ? client.options.redisOptions?.tls : client.options.tls;
}

/**
 * Every TLS settings object `client` connects with: its own (see {@link tlsOf}) and, for a
 * `sentinel://` connection, the one to the sentinels — for `checkTlsFiles` before connecting.
 */
export function tlsSettingsOf(client: RedisClient): Array<NonNullable<RedisOptions['tls']>> {
  const all = [tlsOf(client), isCluster(client) ? undefined : client.options.sentinelTLS];
  return all.filter((tls): tls is NonNullable<RedisOptions['tls']> => tls !== undefined && tls !== null);
}

/** Settings a duplicate connection may override; on a cluster they apply to every node connection. */
export interface ConnectionOverrides {
  lazyConnect?: boolean;
  enableAutoPipelining?: boolean;
  autoResubscribe?: boolean;
  maxRetriesPerRequest?: number | null;
  connectionName?: string;
}

// replyMapping stays ioredis' default: the adapters read replies in its legacy shape.
type NodeOptions = Omit<NonNullable<ClusterOptions['redisOptions']>, 'replyMapping'>;
// redisOptions always set: ioredis' option type refuses an explicit undefined under exactOptionalPropertyTypes.
type ClusterSettings = Omit<ClusterOptions, 'redisOptions'> & { redisOptions: NodeOptions };

/**
 * A new connection (a new cluster client, for a cluster) with `client`'s settings and `overrides`.
 * @example
 * const subscriber = duplicateClient(client, { lazyConnect: true });
 */
export function duplicateClient(client: RedisClient, overrides: ConnectionOverrides): RedisClient {
  if (!isCluster(client)) return client.duplicate(overrides as Partial<RedisOptions>);
  const { lazyConnect, enableAutoPipelining, ...perNode } = overrides;
  const options: ClusterSettings = { redisOptions: { ...(client.options.redisOptions as NodeOptions | undefined), ...(perNode as NodeOptions) } };
  if (lazyConnect !== undefined) options.lazyConnect = lazyConnect;
  if (enableAutoPipelining !== undefined) options.enableAutoPipelining = enableAutoPipelining;
  return client.duplicate([], options);
}

/** Options of {@link createClusterClient}. */
export interface ClusterClientOptions extends ConnectionOverrides {
  /** Delay before the next attempt to reach the cluster after all startup nodes failed (ms), or null to stop. */
  clusterRetryStrategy?: (times: number) => number | null;
  /** Further per-node options (TLS, timeouts). */
  redisOptions?: NodeOptions;
}

/**
 * An ioredis `Cluster` for a parsed `rediscluster://` URL; it follows MOVED / ASK redirections and
 * refreshes its slot map after a failover by itself.
 * @example
 * const cluster = createClusterClient(parseRedisClusterUrl('rediscluster://10.0.0.1:7000'), { lazyConnect: true });
 */
export function createClusterClient(url: RedisClusterUrlOptions, options: ClusterClientOptions = {}): Cluster {
  const { lazyConnect, enableAutoPipelining, clusterRetryStrategy, redisOptions, ...perNode } = options;
  const nodeOptions: NodeOptions = { ...redisOptions, ...(perNode as NodeOptions) };
  if (url.username !== undefined) nodeOptions.username = url.username;
  if (url.password !== undefined) nodeOptions.password = url.password;
  // The URL's TLS (query options, broker_use_ssl) for every node; explicit redisOptions.tls wins.
  if (url.tls !== undefined && nodeOptions.tls === undefined) nodeOptions.tls = url.tls;
  const clusterOptions: ClusterSettings = { redisOptions: nodeOptions };
  if (lazyConnect !== undefined) clusterOptions.lazyConnect = lazyConnect;
  if (enableAutoPipelining !== undefined) clusterOptions.enableAutoPipelining = enableAutoPipelining;
  if (clusterRetryStrategy !== undefined) clusterOptions.clusterRetryStrategy = clusterRetryStrategy;
  return new Cluster(url.nodes, clusterOptions);
}

/**
 * The cluster slot of `key` (CRC16 of its hash tag, modulo 16384), as ioredis computes it to route a
 * command: lets a caller group keys per slot before a multi-key script or a MULTI.
 * @example keySlot('{celery}unacked') === keySlot('{celery}') // true
 */
export function keySlot(key: string): number {
  return Number(new Command('get', [key]).getSlot());
}
