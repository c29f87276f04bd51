/**
 * The broker's Redis connections: the command connection (ours, or the application's `client`) and
 * the duplicates it opens for blocking reads and pub/sub. Connection trouble is logged once per
 * outage rather than once per reconnect attempt (@celerity/redis-common's `logConnectionErrors`).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { Logger } from '@celerity/core';
import {
  createClusterClient,
  duplicateClient,
  isCluster,
  isClusterUrl,
  isSentinelUrl,
  logConnectionErrors,
  parseRedisClusterUrl,
  parseRedisUrl,
  sentinelConnectionOptions,
  type RedisClient,
} from '@celerity/redis-common/internal';
import type { RedisSslSettings, SentinelSettings } from '@celerity/redis-common/internal';
import { BROKER_ERRORS } from './redis-errors.js';

// The ioredis options this broker sets (RedisOptions as a whole trips exactOptionalPropertyTypes).
type ConnectionSettings = Pick<
  RedisOptions,
  | 'host' | 'port' | 'db' | 'username' | 'password' | 'tls' | 'lazyConnect' | 'retryStrategy' | 'maxRetriesPerRequest' | 'connectionName'
  // sentinel://: ioredis asks the sentinels for the primary on every (re)connect, duplicates included.
  | 'sentinels' | 'name' | 'sentinelUsername' | 'sentinelPassword' | 'failoverDetector' | 'reconnectOnError'
  | 'enableTLSForSentinelMode' | 'sentinelTLS'
>;

/** The connections of one broker. */
export interface BrokerConnections {
  /** For commands (publish, fetch scripts, acks, restores). */
  readonly main: RedisClient;
  /** Whether `main` is a Redis Cluster client (the cluster key layout applies). */
  readonly cluster: boolean;
  /** Whether `main` is ours to close (false for an application-provided client). */
  readonly ownsMain: boolean;
  /** The DB number (part of pub/sub channel names). */
  readonly db: number;
  /** Times the command connection became ready again after being lost (not its first connect). */
  readonly reconnects: number;
  /** A new connection for BLMOVE: waits for reconnects instead of failing, named for CLIENT UNBLOCK. */
  blocking(): RedisClient;
  /** A new connection for pub/sub. */
  subscriber(): RedisClient;
}

function watch<T extends RedisClient>(connection: T, role: string, logger: Logger): T {
  logConnectionErrors(connection, logger, `${role} connection`, BROKER_ERRORS);
  return connection;
}

/**
 * Sets up the connections for a URL or an existing client. Nothing connects until first used.
 * @example
 * const connections = createConnections({ url: 'redis://localhost:6379/2' }, logger);
 */
export function createConnections(
  source: { url?: string | undefined; client?: RedisClient | undefined; sentinel?: SentinelSettings | undefined; ssl?: RedisSslSettings | boolean | undefined },
  logger: Logger,
): BrokerConnections {
  const client = source.client;
  let settings: ConnectionSettings = {};
  let main: RedisClient;
  let db: number;
  let fresh: ((overrides: ConnectionSettings) => RedisClient) | undefined;
  if (client !== undefined) {
    main = client; // the application's: no error listeners added (only the reconnect count below), never closed here
    db = isCluster(client) ? 0 : (client.options.db ?? 0);
  } else if (isClusterUrl(source.url ?? '')) {
    const url = parseRedisClusterUrl(source.url ?? '', source.ssl);
    db = 0;
    const open = (overrides: ConnectionSettings): RedisClient =>
      createClusterClient(url, { lazyConnect: true, clusterRetryStrategy: (times) => Math.min(times * 100, 2000), ...(overrides as object) });
    main = watch(open({}), 'main', logger);
    fresh = open;
  } else {
    const text = source.url ?? 'redis://localhost:6379/0';
    const url = isSentinelUrl(text) ? sentinelConnectionOptions(text, source.sentinel ?? {}, source.ssl) : parseRedisUrl(text, source.ssl);
    db = url.db;
    settings = { ...url, lazyConnect: true, retryStrategy: (times) => Math.min(times * 100, 2000) };
    main = watch(new Redis(settings), 'main', logger);
    fresh = (overrides) => new Redis({ ...settings, ...overrides });
  }
  // ioredis emits 'ready' on each (re)connect of the command connection.
  let readies = 0;
  main.on('ready', () => void readies++);
  const duplicate = (role: string, overrides: ConnectionSettings): RedisClient =>
    watch(fresh !== undefined ? fresh(overrides) : duplicateClient(main, { lazyConnect: true, ...overrides } as Parameters<typeof duplicateClient>[1]), role, logger);
  return {
    main,
    cluster: isCluster(main),
    ownsMain: client === undefined,
    db,
    get reconnects() {
      return Math.max(0, readies - 1);
    },
    // A BLMOVE cut by a disconnect is resent after the reconnect rather than failed.
    blocking: () => duplicate('blocking', { maxRetriesPerRequest: null, connectionName: `celerity-blocking-${randomUUID()}` }),
    subscriber: () => duplicate('subscriber', {}),
  };
}
