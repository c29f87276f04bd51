/**
 * The Redis broker: kombu's Redis transport layout (spec §3), so Python Celery workers and clients
 * share queues with it. Publishing is LPUSH; consuming, ack emulation and restores live in
 * consumer.ts / acks.ts / restore.ts; broadcast in fanout.ts.
 */
import { randomUUID } from 'node:crypto';
import { checkTlsFiles } from '@celerity/core/internal';
import type { RedisClient } from '@celerity/redis-common/internal';
import { closeConnection, isCluster, tlsSettingsOf, waitForReplicas } from '@celerity/redis-common/internal';
import { ClosedError, ConfigurationError, silentLogger } from '@celerity/core';
import type {
  RevocationStore,
  BroadcastMessage,
  Broker,
  BrokerCapabilities,
  ConsumeOptions,
  DeadLetterQueue,
  Consumer,
  Delivery,
  Envelope,
  Logger,
  PublishOptions,
  PublishTarget,
  SharedRateLimiter,
  Subscription,
} from '@celerity/core';
import { AckBatcher } from './acks.js';
import { waitReady, withReconnect } from './reconnect.js';
import { createConnections, type BrokerConnections } from './connections.js';
import { consumeDirect, publishDirect, type DirectHost } from './direct.js';
import { createRedisRevocations, revokedKey } from './revocations.js';
import { RedisConsumer, type ConsumerHost } from './consumer.js';
import { createRedisDeadLetters } from './dead-letters.js';
import { HeldDeliveries } from './delivery.js';
import { encodeKombuEnvelope, encodeKombuEnvelopeBytes, encodeKombuEnvelopeText, type KombuEnvelopeTarget } from './envelope.js';
import { FanoutHub } from './fanout.js';
import { HeldRefresher, refreshHeld, refreshPeriod } from './held-refresh.js';
import { PRIORITY_STEPS, bindingMember, createClusterKeyspace, createKeyspace, type Keyspace } from './keys.js';
import { resolveOptions, type RedisBrokerOptions, type ResolvedRedisBrokerOptions } from './options.js';
import { toBrokerError } from './redis-errors.js';
import { sweepLapsedInflight, sweepLapsedInflightOf } from './inflight.js';
import { parkUntil, parkedMember, promoteParked } from './parking.js';
import { createRedisRateLimiter } from './rate-limiter.js';
import { restoreByTag, restoreVisible } from './restore.js';

/** The Redis broker: the core `Broker` plus Redis-specific operations. */
export interface RedisBroker extends Broker {
  /** The key prefix in use (kombu `global_keyprefix`). */
  readonly keyPrefix: string;
  /** The DB number (part of pub/sub channel names). */
  readonly db: number;
  /** Dead letters per queue, in the list `<keyPrefix>_celerity.dead.<queue>` (see {@link RedisBroker.deadLetterKey}). */
  readonly deadLetters: DeadLetterQueue;
  /**
   * Token buckets for cluster-wide rate limits, one hash per task, `<keyPrefix>_celerity.ratelimit.<task>`,
   * on the server's clock. An AMQP worker can use a Redis broker's as its `rateLimits.limiter`.
   */
  readonly rateLimiter: SharedRateLimiter;
  /** Durable revokes: the sorted set `<prefix>_celerity.revoked` (see revocations.ts). */
  readonly revocations: RevocationStore;
  /** Runs one visibility-timeout restore pass now (normally periodic while consuming); returns how many were restored. */
  restoreVisible(): Promise<number>;
  /**
   * Moves the `unacked_index` score of every message this broker holds (handed out, not settled) to
   * now; returns how many moved. Runs by itself every third of the visibility timeout while consuming.
   */
  refreshHeld(): Promise<number>;
  /** Adds `<routingKey>\x06\x16\x06\x16<queue>` to `_kombu.binding.<exchange>`, so kombu producers publishing to that exchange reach `queue`. */
  bindQueue(queue: string, exchange: string, routingKey: string): Promise<void>;
  /** Removes a binding added by {@link RedisBroker.bindQueue}. */
  unbindQueue(queue: string, exchange: string, routingKey: string): Promise<void>;
  /** Deletes a queue's four lists and its default binding (what kombu does for auto-delete reply queues). */
  deleteQueue(queue: string): Promise<void>;
  /**
   * Moves parked far-future messages that are due onto their queues (see the `parkEtaAfter` option);
   * returns how many moved. Runs by itself in every restore pass, and every `restoreInterval` while a
   * broker that parked something is open.
   */
  promoteParked(): Promise<number>;
  /**
   * The list where undecodable items taken from `queue` are set aside and `deadLetters` keeps its
   * entries: `<keyPrefix>_celerity.dead.<queue>`.
   */
  deadLetterKey(queue: string): string;
  /**
   * What {@link Broker.publish} would LPUSH for `envelope`, and to which list (prefixed, priority
   * suffix), without pushing it: for callers that push it in their own script, atomically with their
   * own state (`@celerity/beat` claims a tick and queues its message in one step). The caller must run
   * that script on this broker's server and db. An envelope publish would park (an eta past
   * `parkEtaAfter`) is refused with a ConfigurationError.
   */
  encodePush(target: PublishTarget, envelope: Envelope): { list: string; raw: string };
  /** Broadcasts a JSON body given as text: kombu's envelope with the text as its body string (no base64). */
  broadcastJsonText(exchange: string, routingKey: string, escapedJson: readonly string[], envelope: Omit<Envelope, 'body'>): Promise<void>;
}

const MAX_PUBLISH_BATCH = 1000;

/** A message of a `publishMany`, encoded: bytes for its list, or, parked, the text of its zset member. */
type Encoded = { key: string; raw: Buffer; until: undefined } | { key: string; raw: string; until: number };

class RedisBrokerImpl implements RedisBroker, ConsumerHost {
  readonly transport = 'redis';
  /** Reconnects of the command connection (connections.ts). */
  get reconnects(): number {
    return this.connections.reconnects;
  }
  readonly capabilities: BrokerCapabilities = { priorityOrder: 'low-first', broadcast: true, deadLetters: true };
  /** Dead letters and undecodable items share the list `<keyPrefix>_celerity.dead.<queue>`. */
  readonly revocations: RevocationStore;
  readonly deadLetters: DeadLetterQueue;
  /** Cluster-wide rate limit buckets, `<keyPrefix>_celerity.ratelimit.<task>` (rate-limiter.ts). */
  readonly rateLimiter: SharedRateLimiter;
  readonly client: RedisClient;
  readonly keys: Keyspace;
  readonly logger: Logger;
  readonly acks: AckBatcher;
  readonly held = new HeldDeliveries();
  readonly batchSize: number;
  readonly pollInterval: number;
  private readonly settings: ResolvedRedisBrokerOptions;
  private readonly connections: BrokerConnections;
  private readonly generateId: () => string;
  private readonly clock: () => number;
  private readonly hub: FanoutHub;
  private readonly consumers = new Set<RedisConsumer>();
  /** Queues consumed since the broker opened: on a cluster, the restore pass covers these (per-queue bookkeeping). */
  private readonly consumedQueues = new Set<string>();
  private readonly refresher: HeldRefresher;
  private restoreTimer: NodeJS.Timeout | undefined;
  private promoteTimer: NodeJS.Timeout | undefined;
  private restoring: Promise<unknown> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: RedisBrokerOptions) {
    this.settings = resolveOptions(options);
    this.logger = options.logger ?? silentLogger;
    this.batchSize = this.settings.batchSize;
    this.pollInterval = this.settings.pollInterval;
    this.generateId = options.generateId ?? randomUUID;
    this.clock = options.now ?? Date.now;
    const connections = createConnections({ url: options.url, client: options.client, sentinel: this.settings.sentinel, ssl: options.ssl }, this.logger);
    this.connections = connections;
    this.client = connections.main;
    this.keys = connections.cluster ? createClusterKeyspace(this.settings.keyPrefix) : createKeyspace(this.settings.keyPrefix, connections.db);
    if (connections.cluster && this.settings.parkEtaAfter !== undefined) {
      // The parked zset would hold messages for every queue, i.e. for every slot.
      throw new ConfigurationError('Redis broker option parkEtaAfter is not supported on a Redis Cluster');
    }
    // WAIT counts the replicas of the one node a connection is on: a cluster's writes go to many.
    if (connections.cluster && this.settings.waitReplicas !== undefined) throw new ConfigurationError('Redis broker option waitReplicas is not supported on a Redis Cluster');
    this.acks = new AckBatcher(this.client, this.keys, this.settings.publishTimeout);
    this.hub = new FanoutHub(this.keys, this.logger, connections.subscriber);
    this.rateLimiter = createRedisRateLimiter({
      client: this.client,
      keyPrefix: this.keys.prefix,
      run: (what, op) => {
        this.assertOpen();
        return this.run(what, op);
      },
    });
    this.refresher = new HeldRefresher(this, refreshPeriod(this.settings.visibilityTimeout));
    this.revocations = createRedisRevocations({
      client: this.client,
      key: revokedKey(this.keys.prefix),
      run: (what, op) => {
        this.assertOpen();
        return this.run(what, op);
      },
      now: () => this.clock(),
    });
    this.deadLetters = createRedisDeadLetters({
      client: this.client,
      keys: this.keys,
      run: (what, op) => {
        this.assertOpen();
        return this.run(what, op);
      },
    });
  }

  get keyPrefix(): string {
    return this.keys.prefix;
  }
  get db(): number {
    return this.keys.db;
  }
  now(): number {
    return this.clock();
  }

  createBlockingClient(): RedisClient {
    return this.connections.blocking();
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new ClosedError('Redis broker');
  }

  private run<T>(what: string, op: () => Promise<T>, options?: PublishOptions): Promise<T> {
    return withReconnect(this.client, what, op, { timeout: options?.timeout ?? this.settings.publishTimeout, signal: options?.signal });
  }

  /**
   * `write` (already sent), then the `waitReplicas` WAIT sent in the same tick on the same
   * connection (see @celerity/redis-common's replica-wait.ts for why the same tick).
   */
  private durable<T>(write: Promise<T>, what: string): Promise<T> {
    const wait = this.settings.waitReplicas;
    // A cluster refuses waitReplicas in the constructor.
    if (wait === undefined || isCluster(this.client)) return write;
    return Promise.all([write, waitForReplicas(this.client, wait, `Redis broker: ${what}`)]).then(([value]) => value);
  }

  async connect(): Promise<void> {
    this.assertOpen();
    // A TLS certificate file that cannot be read fails here, not inside ioredis' connect.
    for (const tls of tlsSettingsOf(this.client)) checkTlsFiles(tls);
    await waitReady(this.client, Date.now() + this.settings.publishTimeout, undefined, true);
  }

  async declareQueue(queue: string): Promise<void> {
    await this.bindQueue(queue, queue, queue);
  }

  async bindQueue(queue: string, exchange: string, routingKey: string): Promise<void> {
    this.assertOpen();
    await this.run('declare', () => this.client.sadd(this.keys.binding(exchange), bindingMember(routingKey, queue)));
  }

  async unbindQueue(queue: string, exchange: string, routingKey: string): Promise<void> {
    this.assertOpen();
    await this.run('unbind', () => this.client.srem(this.keys.binding(exchange), bindingMember(routingKey, queue)));
  }

  async deleteQueue(queue: string): Promise<void> {
    this.assertOpen();
    await this.run('delete', async () => {
      // On a cluster the binding set and the lists are in different slots: no MULTI across them.
      if (this.keys.cluster) await Promise.all([this.client.srem(this.keys.binding(queue), bindingMember(queue, queue)), this.client.del(...this.keys.lists(queue))]);
      else await this.client.multi().srem(this.keys.binding(queue), bindingMember(queue, queue)).del(...this.keys.lists(queue)).exec();
    });
  }

  deadLetterKey(queue: string): string {
    return this.keys.dead(queue);
  }

  private encode(target: PublishTarget, envelope: Envelope): string {
    return encodeKombuEnvelope(envelope, this.envelopeTarget(target));
  }

  // A pushed message goes as bytes: ioredis copies a batch of buffers into one write, where it joins
  // a batch of strings, measures them and encodes the whole again (bench: bulk enqueue, 1,000 a call).
  private encodeBytes(target: PublishTarget, envelope: Envelope): Buffer {
    return encodeKombuEnvelopeBytes(envelope, this.envelopeTarget(target));
  }

  private envelopeTarget(target: PublishTarget): KombuEnvelopeTarget {
    return { exchange: target.exchange ?? '', routingKey: target.routingKey ?? target.queue, deliveryTag: this.generateId() };
  }

  encodePush(target: PublishTarget, envelope: Envelope): { list: string; raw: string } {
    if (parkUntil(envelope, this.settings.parkEtaAfter, this.now()) !== undefined) throw new ConfigurationError('encodePush: this message would be parked (its eta is past parkEtaAfter), not pushed');
    return { list: this.keys.list(target.queue, envelope.properties.priority ?? 0), raw: this.encode(target, envelope) };
  }

  async publish(target: PublishTarget, envelope: Envelope, options?: PublishOptions): Promise<void> {
    this.assertOpen();
    const raw = this.encode(target, envelope);
    const key = this.keys.list(target.queue, envelope.properties.priority ?? 0);
    const until = parkUntil(envelope, this.settings.parkEtaAfter, this.now());
    if (until !== undefined) {
      this.startPromoting();
      await this.run('publish', () => this.durable(this.client.zadd(this.keys.parked, until, parkedMember(key, raw)), 'publish'), options);
      return;
    }
    await this.run('publish', () => this.durable(this.client.lpush(key, raw), 'publish'), options);
  }

  async publishMany(items: ReadonlyArray<{ target: PublishTarget; envelope: Envelope }>, options?: PublishOptions): Promise<void> {
    this.assertOpen();
    // Encode everything first: an encoding error must fail the call before anything is sent.
    const now = this.now();
    const encoded = items.map(({ target, envelope }): Encoded => {
      const key = this.keys.list(target.queue, envelope.properties.priority ?? 0);
      const until = parkUntil(envelope, this.settings.parkEtaAfter, now);
      // A parked message is a zset member made from its text.
      return until === undefined ? { key, raw: this.encodeBytes(target, envelope), until } : { key, raw: this.encode(target, envelope), until };
    });
    if (encoded.some((e) => e.until !== undefined)) this.startPromoting();
    if (this.keys.cluster) return this.publishManyToCluster(encoded, options);
    const chunks: Array<typeof encoded> = [];
    for (let i = 0; i < encoded.length; i += MAX_PUBLISH_BATCH) chunks.push(encoded.slice(i, i + MAX_PUBLISH_BATCH));
    await Promise.all(
      chunks.map((chunk) =>
        // MULTI: a chunk cut by a disconnect is applied entirely or not at all, so the retry can't duplicate part of it.
        this.run(
          'publishMany',
          async () => {
            const multi = this.client.multi();
            let start = 0;
            // Parked messages go in one variadic ZADD (score, member, score, member, …).
            const parked: Array<number | string> = [];
            for (const e of chunk) if (e.until !== undefined) parked.push(e.until, parkedMember(e.key, e.raw));
            if (parked.length > 0) multi.zadd(this.keys.parked, ...parked);
            const pushed = chunk.filter((e) => e.until === undefined);
            for (let i = 1; i <= pushed.length; i++) {
              if (i < pushed.length && pushed[i]?.key === pushed[start]?.key) continue;
              // Consecutive messages to one list go in one variadic LPUSH (same order as separate LPUSHes).
              multi.lpush(pushed[start]?.key ?? '', ...pushed.slice(start, i).map((e) => e.raw));
              start = i;
            }
            const replies = await this.durable(multi.exec(), 'publishMany');
            const failed = replies?.find(([error]) => error !== null);
            if (failed) throw failed[0];
          },
          options,
        ),
      ),
    );
  }

  /**
   * publishMany on a cluster: a MULTI may only touch one slot, so the messages are grouped by list
   * (one queue, one slot) and each list gets one variadic LPUSH, atomic on its own, in publish order.
   */
  private async publishManyToCluster(encoded: readonly Encoded[], options?: PublishOptions): Promise<void> {
    const byList = new Map<string, Array<string | Buffer>>();
    for (const { key, raw } of encoded) {
      const list = byList.get(key);
      if (list === undefined) byList.set(key, [raw]);
      else list.push(raw);
    }
    await Promise.all(
      [...byList].flatMap(([key, raws]) => {
        const pushes: Array<Promise<unknown>> = [];
        for (let i = 0; i < raws.length; i += MAX_PUBLISH_BATCH) {
          const chunk = raws.slice(i, i + MAX_PUBLISH_BATCH);
          pushes.push(this.run('publishMany', () => this.client.lpush(key, ...chunk), options));
        }
        return pushes;
      }),
    );
  }

  async consume(queues: readonly string[], handler: (delivery: Delivery) => void, options: ConsumeOptions = {}): Promise<Consumer> {
    this.assertOpen();
    if (queues.length === 0) throw new ConfigurationError('consume() needs at least one queue');
    const consumer = new RedisConsumer(this, queues, handler, options);
    for (const queue of queues) this.consumedQueues.add(queue);
    this.consumers.add(consumer);
    consumer.start();
    this.startRestoring();
    return {
      cancel: async () => {
        await consumer.cancel();
        this.consumers.delete(consumer);
        if (this.consumers.size === 0) this.stopRestoring();
      },
      setPrefetch: (prefetch) => consumer.setPrefetch(prefetch),
    };
  }

  requeue(tag: string, queue: string): Promise<void> {
    return this.run('reject', async () => {
      await restoreByTag(this, tag, queue, true);
    });
  }

  restoreVisible(): Promise<number> {
    this.assertOpen();
    return this.run('restore', () => this.restorePass());
  }

  // One server: one pass over the shared `unacked_index`. A cluster: one pass per queue consumed here.
  private async restorePass(): Promise<number> {
    if (!this.keys.cluster) return restoreVisible(this, this.settings.visibilityTimeout);
    const counts = await Promise.all([...this.consumedQueues].map((queue) => restoreVisible(this, this.settings.visibilityTimeout, queue)));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** Moves parked messages that are due onto their queues (parking.ts). Nothing is parked on a cluster. */
  promoteParked(): Promise<number> {
    if (this.keys.cluster) return Promise.resolve(0);
    return promoteParked(this.client, this.keys, this.now());
  }

  // A producer that parks keeps promoting while it is open, so parking works without a Celerity worker.
  private startPromoting(): void {
    if (this.promoteTimer !== undefined) return;
    this.promoteTimer = setInterval(() => {
      if (this.closing !== undefined) return;
      this.promoteParked().catch((error: unknown) => this.logger.warn(`Promoting parked messages failed: ${error instanceof Error ? error.message : String(error)}`, { error }));
    }, this.settings.restoreInterval * 1000);
    this.promoteTimer.unref();
  }

  /** Gives back what consumers that died left in their in-flight lists (inflight.ts). */
  private async sweepInflight(): Promise<number> {
    const now = this.now();
    const moved = this.keys.cluster
      ? (await Promise.all([...this.consumedQueues].map((queue) => sweepLapsedInflightOf(this.client, this.keys, queue, now)))).reduce((sum, n) => sum + n, 0)
      : await sweepLapsedInflight(this.client, this.keys, now);
    if (moved > 0) this.logger.info(`Gave back ${moved} message(s) a stopped consumer had taken but not recorded`, { restored: moved });
    return moved;
  }

  refreshHeld(): Promise<number> {
    this.assertOpen();
    return refreshHeld(this);
  }

  // kombu restores at consumer start and then periodically while consuming.
  private startRestoring(): void {
    if (this.restoreTimer !== undefined) return;
    const pass = (): void => {
      if (this.restoring !== undefined || this.closing !== undefined) return;
      this.restoring = Promise.all([this.restorePass(), this.sweepInflight(), this.promoteParked()])
        .catch((error: unknown) => this.logger.warn(`Restore pass failed: ${error instanceof Error ? error.message : String(error)}`, { error }))
        .finally(() => {
          this.restoring = undefined;
        });
    };
    this.restoreTimer = setInterval(pass, this.settings.restoreInterval * 1000);
    this.restoreTimer.unref();
    pass();
    // What this process holds must not look abandoned to that pass, ours or another process's.
    this.refresher.start();
  }

  private stopRestoring(): void {
    if (this.restoreTimer !== undefined) clearInterval(this.restoreTimer);
    this.restoreTimer = undefined;
  }

  async purge(queue: string): Promise<number> {
    this.assertOpen();
    const lists = this.keys.lists(queue);
    return this.run('purge', async () => {
      const multi = this.client.multi();
      for (const list of lists) multi.llen(list).del(list);
      const replies = (await multi.exec()) ?? [];
      return replies.filter((_, i) => i % 2 === 0).reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
    });
  }

  async size(queue: string): Promise<number> {
    this.assertOpen();
    const lists = this.keys.lists(queue);
    return this.run('size', async () => {
      const multi = this.client.multi();
      for (const list of lists) multi.llen(list);
      const replies = (await multi.exec()) ?? [];
      return replies.reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
    });
  }

  async sizeByPriority(queue: string): Promise<Record<string, number>> {
    this.assertOpen();
    const lists = this.keys.lists(queue);
    return this.run('size', async () => {
      const multi = this.client.multi();
      for (const list of lists) multi.llen(list);
      const replies = (await multi.exec()) ?? [];
      // keys.lists lists the priority steps in PRIORITY_STEPS order.
      return Object.fromEntries(PRIORITY_STEPS.map((step, i) => [String(step), Number(replies[i]?.[1] ?? 0)]));
    });
  }

  /** kombu's direct-exchange routing over the binding set (see direct.ts); control replies use it. */
  async publishDirect(exchange: string, routingKey: string, envelope: Envelope): Promise<void> {
    this.assertOpen();
    await this.run('publish reply', () => publishDirect(this.directHost(), exchange, routingKey, envelope));
  }

  /** A private reply queue `<routingKey>.<exchange>` read without acks (see direct.ts). */
  consumeDirect(exchange: string, routingKey: string, handler: (message: BroadcastMessage) => void): Promise<Subscription> {
    this.assertOpen();
    return consumeDirect(this.directHost(), exchange, routingKey, handler);
  }

  private directHost(): DirectHost {
    return { client: this.client, keys: this.keys, logger: this.logger, createBlockingClient: () => this.createBlockingClient(), generateId: () => this.generateId() };
  }

  async broadcast(exchange: string, routingKey: string, envelope: Envelope): Promise<void> {
    this.assertOpen();
    const raw = encodeKombuEnvelopeBytes(envelope, { exchange, routingKey, deliveryTag: this.generateId() });
    await this.run('broadcast', () => this.client.publish(this.keys.channel(exchange, routingKey), raw));
  }

  async broadcastJsonText(exchange: string, routingKey: string, escapedJson: readonly string[], envelope: Omit<Envelope, 'body'>): Promise<void> {
    this.assertOpen();
    const raw = encodeKombuEnvelopeText(escapedJson, envelope, { exchange, routingKey, deliveryTag: this.generateId() });
    await this.run('broadcast', () => this.client.publish(this.keys.channel(exchange, routingKey), raw));
  }

  async subscribe(exchange: string, pattern: string, handler: (message: BroadcastMessage) => void): Promise<Subscription> {
    this.assertOpen();
    try {
      return await this.hub.subscribe(exchange, pattern, handler);
    } catch (error) {
      throw toBrokerError(error, 'subscribe');
    }
  }

  flushAcks(): void {
    this.acks.flush();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.stopRestoring();
    if (this.promoteTimer !== undefined) clearInterval(this.promoteTimer);
    // Held messages are given back below; the ones that cannot be are left to the visibility timeout.
    await this.refresher.stop();
    await Promise.all([...this.consumers].map((consumer) => consumer.cancel()));
    this.consumers.clear();
    await this.acks.drain().catch((error: unknown) => this.logger.error('Acks could not be written before closing', { error }));
    await this.restoring;
    // Like a kombu warm shutdown: messages still held go back to the front of their queue, marked redelivered.
    const held = this.held.takeAll();
    for (const delivery of held) delivery.settled = true;
    if (held.length > 0) {
      try {
        await this.run('restore', () => Promise.all(held.map((d) => restoreByTag(this, d.deliveryTag, d.queue))));
        this.logger.info(`Restored ${held.length} unacked message(s) on close`, { restored: held.length });
      } catch (error) {
        this.logger.error(`Could not restore ${held.length} unacked message(s) on close; the visibility timeout will`, { error });
      }
    }
    this.hub.close();
    if (this.connections.ownsMain) await closeConnection(this.client);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a broker speaking kombu's Redis transport layout, interoperable with Python Celery.
 * Connects lazily (or call `connect()`).
 * @example
 * await using broker = createRedisBroker({ url: 'redis://localhost:6379/0', keyPrefix: 'myapp:' });
 * await broker.declareQueue('celery');
 * const consumer = await broker.consume(['celery'], (delivery) => void delivery.ack(), { prefetch: 100 });
 */
export function createRedisBroker(options: RedisBrokerOptions = {}): RedisBroker {
  return new RedisBrokerImpl(options);
}
