/**
 * `createRedisBackend`: Celery's Redis result backend (spec §5, appendix §4) as a core `ResultBackend`.
 */
import { ClosedError, ConfigurationError, silentLogger } from '@celerity/core';
import type { ResultBackend, ResultMeta } from '@celerity/core';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { checkTlsFiles } from '@celerity/core/internal';
import {
  closeConnection,
  createClusterClient,
  duplicateClient,
  isCluster,
  isClusterUrl,
  isSentinelUrl,
  onAuthFailure,
  parseRedisClusterUrl,
  parseRedisUrl,
  replicaWaitOptions,
  sentinelConnectionOptions,
  tlsSettingsOf,
  type RedisClient,
} from '@celerity/redis-common/internal';
import { resultSerializer } from './default-serializer.js';
import { logBackendConnection, toCelerityError } from './errors.js';
import * as groups from './groups.js';
import type { GroupStoreContext } from './groups.js';
import { createKeySpace } from './keys.js';
import { fastJsonMeta, fromCeleryMeta } from './meta.js';
import { REDIS_BACKEND_DEFAULTS } from './options.js';
import type { RedisBackendOptions } from './options.js';
import { STORE_SCRIPT } from './scripts.js';
import { assertId, createStoreCoalescer, storeResults, successCheckFor } from './store.js';
import type { StoreContext } from './store.js';
import { createSubscriberHub } from './subscriber.js';
import { systemTimers } from './timers.js';
import { createWatchList, waitForResult } from './wait.js';
import type { WaitContext } from './wait.js';

const NAME = 'Redis result backend';

/**
 * Creates a result backend storing `celery-task-meta-<id>` exactly as Celery's Redis backend does,
 * with push-based waits on one shared pub/sub connection.
 * @example
 * const backend = createRedisBackend({ url: 'redis://localhost:6379/1' });
 * await backend.connect();
 * const meta = await backend.wait(taskId, { timeout: 10 });
 */
export function createRedisBackend(options: RedisBackendOptions = {}): ResultBackend {
  const logger = options.logger ?? silentLogger;
  const serializer = resultSerializer(options.serializer);
  const expires = options.expires === undefined ? REDIS_BACKEND_DEFAULTS.expires : options.expires;
  const ttl = expires && expires > 0 ? Math.max(1, Math.round(expires)) : 0;
  const timers = options.timers ?? systemTimers;
  const nameOverride = options.connectionName === undefined ? {} : { connectionName: options.connectionName };

  const replicaWait = replicaWaitOptions(NAME, options.waitReplicas, options.waitReplicasTimeout);
  const ownsCommand = options.client === undefined;
  const url = options.url ?? REDIS_BACKEND_DEFAULTS.url;
  const command: RedisClient =
    options.client ??
    (isClusterUrl(url)
      ? createClusterClient(parseRedisClusterUrl(url, options.ssl), { lazyConnect: true, enableAutoPipelining: true, ...nameOverride, ...(options.redisOptions === undefined ? {} : { redisOptions: options.redisOptions }) })
      : new Redis({
          // sentinel://: this connection and its pub/sub duplicate ask the sentinels for the primary on every (re)connect.
          ...(isSentinelUrl(url) ? sentinelConnectionOptions(url, options, options.ssl) : parseRedisUrl(url, options.ssl)),
          lazyConnect: true,
          enableAutoPipelining: true,
          ...nameOverride,
          ...options.redisOptions,
        }));
  // WAIT counts the replicas of the one node a connection is on: a cluster's writes go to many.
  if (replicaWait !== undefined && isCluster(command)) throw new ConfigurationError(`${NAME}: waitReplicas is not supported on a Redis Cluster`);
  const keys = createKeySpace(options.keyPrefix, isCluster(command));
  const clientPrefix = options.client === undefined ? undefined : isCluster(options.client) ? (options.client.options.keyPrefix ?? options.client.options.redisOptions?.keyPrefix) : options.client.options.keyPrefix;
  if (clientPrefix) {
    throw new ConfigurationError(`${NAME}: the ioredis client must not set keyPrefix (channels would not match); use the keyPrefix option`);
  }
  if (ownsCommand) {
    logBackendConnection(command, logger, 'command connection');
  }

  // Ids this backend mints share a random first group, so one PSUBSCRIBE covers all their channels
  // (no SUBSCRIBE / UNSUBSCRIBE per task). They stay valid uuid4s: 90 random bits each.
  const idPrefix = options.resultSubscription === 'task' ? undefined : `${randomUUID().slice(0, 8)}-`;
  const hub = createSubscriberHub({
    logger,
    ...(idPrefix === undefined ? {} : { coverPrefix: keys.task(idPrefix) }),
    connect: () =>
      duplicateClient(command, { autoResubscribe: false, enableAutoPipelining: false, lazyConnect: false, ...nameOverride }),
  });

  let closed = false;
  const pending = new Set<(error: Error) => void>();

  const encode = (value: unknown): Buffer => {
    const bytes = serializer.encode(value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const decodeMeta = (taskId: string, bytes: Uint8Array): ResultMeta => fromCeleryMeta(serializer.decode(bytes), taskId);
  const assertOpen = (): void => {
    if (closed) throw new ClosedError(NAME);
  };
  const guard = async <T>(action: string, run: () => Promise<T>): Promise<T> => {
    assertOpen();
    try {
      return await run();
    } catch (err) {
      throw toCelerityError(err, action);
    }
  };
  const get = async (taskId: string): Promise<ResultMeta | null> => {
    const bytes = await command.getBuffer(keys.task(taskId));
    return bytes ? decodeMeta(taskId, bytes) : null;
  };
  const groupCtx: GroupStoreContext = { command, keys, ttl, encode, decode: (bytes) => serializer.decode(bytes) };

  const storeCtx: StoreContext = { command, keys, ttl, check: successCheckFor(serializer), encode, get, replicaWait };
  // The default serializer's bytes for the common record can be written without it.
  if (options.serializer === undefined) {
    storeCtx.fastEncode = fastJsonMeta;
  }
  const storeOne = createStoreCoalescer(storeCtx);

  const waitCtx: WaitContext = {
    hub,
    channel: (taskId) => keys.task(taskId),
    fetch: (taskId) => get(taskId).catch((err: unknown) => Promise.reject(toCelerityError(err, 'get'))),
    decode: decodeMeta,
    timers,
    logger,
    pending,
    dropWatch: (taskId) => watches.drop(taskId),
    claim: (taskId) => watches.claim(taskId),
  };
  const watches = createWatchList(waitCtx, {
    timeout: options.watchTimeout ?? REDIS_BACKEND_DEFAULTS.watchTimeout,
    max: options.maxWatched ?? REDIS_BACKEND_DEFAULTS.maxWatched,
  });

  const backend: ResultBackend = {
    name: 'redis',
    capabilities: { persistent: true, replyQueue: false, chords: true },
    connect: () =>
      guard('connect', async () => {
        if (command.status === 'wait') {
          // A TLS certificate file that cannot be read fails here, not inside ioredis' connect.
          for (const tls of tlsSettingsOf(command)) checkTlsFiles(tls);
          // ioredis answers a refused AUTH with "Connection is closed."; the server's reason is the error.
          let refused: unknown;
          const stop = onAuthFailure(command, (error) => (refused ??= error));
          try {
            await command.connect();
          } catch (error) {
            throw refused ?? error;
          } finally {
            stop();
          }
        }
        // Warms the script cache so the first pipelined store needs no NOSCRIPT retry (on every master of a cluster).
        if (isCluster(command)) await Promise.all(command.nodes('master').map((node) => node.script('LOAD', STORE_SCRIPT.lua)));
        else await command.script('LOAD', STORE_SCRIPT.lua);
      }),
    store: (meta) => guard('store', () => storeOne(meta)),
    storeMany: (metas) => guard('storeMany', () => storeResults(storeCtx, metas)),
    get: (taskId) => guard('get', () => get(taskId)),
    wait(taskId, waitOptions) {
      try {
        assertOpen();
        assertId(taskId, 'taskId');
      } catch (err) {
        return Promise.reject(err);
      }
      return waitForResult(waitCtx, taskId, waitOptions);
    },
    watch(taskId) {
      if (!closed && taskId) watches.watch(taskId);
    },
    newTaskId: () => (idPrefix === undefined ? randomUUID() : `${idPrefix}${randomUUID().slice(9)}`),
    forget: (taskId) =>
      guard('forget', async () => {
        assertId(taskId, 'taskId');
        watches.drop(taskId);
        await command.del(keys.task(taskId));
      }),
    saveGroup: (groupId, taskIds) => guard('saveGroup', () => (assertId(groupId, 'groupId'), groups.saveGroup(groupCtx, groupId, taskIds))),
    getGroup: (groupId) => guard('getGroup', () => groups.getGroup(groupCtx, groupId)),
    forgetGroup: (groupId) =>
      guard('forgetGroup', async () => {
        assertId(groupId, 'groupId');
        await command.del(keys.group(groupId));
      }),
    chordInit: (groupId, size) => guard('chordInit', () => (assertId(groupId, 'groupId'), groups.chordInit(groupCtx, groupId, size))),
    chordPartReturn: (groupId, part) =>
      guard('chordPartReturn', () => (assertId(groupId, 'groupId'), groups.chordPartReturn(groupCtx, groupId, part))),
    async close() {
      if (closed) return;
      closed = true;
      const error = new ClosedError(NAME);
      for (const reject of [...pending]) reject(error);
      watches.clear();
      await hub.close();
      if (ownsCommand) await closeConnection(command);
    },
    [Symbol.asyncDispose]() {
      return backend.close();
    },
  };
  return backend;
}
