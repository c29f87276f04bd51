/**
 * The AMQP broker: Celery's RabbitMQ topology and message format (spec §4), so Python Celery
 * workers and clients share its queues. Publishing with confirms lives in publisher.ts, consuming
 * in consumer.ts, broadcast in broadcast.ts, reconnection in connection.ts.
 */
import type { Channel } from 'amqplib';
import { ClosedError, ConfigurationError, silentLogger } from '@celerity/core';
import type {
  RevocationStore,
  BroadcastMessage,
  SubscribeOptions,
  Broker,
  BrokerCapabilities,
  ConsumeOptions,
  Consumer,
  DeadLetterQueue,
  Delivery,
  Envelope,
  Logger,
  PublishOptions,
  PublishTarget,
  QueueDeclaration,
  Subscription,
} from '@celerity/core';
import { BroadcastHub } from './broadcast.js';
import { AmqpConnection } from './connection.js';
import type { AmqpEndpoint } from './connection.js';
import { AmqpConsumer } from './consumer.js';
import { createAmqpRevocations } from './revocations.js';
import { createAmqpDeadLetters, deadLetterQueueName, type AmqpDeadLetters } from './dead-letters.js';
import { declareBroadcastExchange, declareTaskQueue, Declarations } from './declarations.js';
import { bindForDelayedDelivery, checkDelayableQueue, declareDelayTopology, DELAY_ENTRY_EXCHANGE, delayRoutingKey, MAX_DELAY_SECONDS, withoutDeathHeaders } from './delayed-delivery.js';
import { bodyBuffer, toPublishOptions } from './envelope.js';
import { registerBrokerInternals } from './internals.js';
import { resolveOptions, type AmqpBrokerOptions, type ResolvedAmqpBrokerOptions } from './options.js';
import { Publisher, type OutgoingMessage } from './publisher.js';
import { exchangeSpec, resolveQueueDeclaration, type ExchangeSpec } from './topology.js';
import { redactUrl } from '@celerity/core/internal';
import { amqpTlsOptions } from './ssl.js';
import { amqpEndpoints } from './url.js';

/** The AMQP broker: the core `Broker` plus RabbitMQ-specific details. */
export interface AmqpBroker extends Broker {
  /** The virtual host in use. */
  readonly vhost: string;
  /** The broker URL with its password masked. */
  readonly url: string;
  /**
   * The URL (password masked) of the server the open connection goes to — with a failover list,
   * which node of it — or undefined while there is no connection.
   */
  readonly connectedTo: string | undefined;
  /** The dead-letter exchange a queue was declared with (where rejected messages go), if any. */
  deadLetterExchange(queue: string): string | undefined;
  /** Always there on AMQP: through Celery 5.5's `celery_delayed_*` queues (see the README). */
  publishDelayed(queue: string, envelope: Envelope, delay: number, options?: PublishOptions): Promise<void>;
  /** Dead letters per queue, in the durable queue `celerity.dead.<queue>`. */
  readonly deadLetters: DeadLetterQueue;
  /** Durable revokes, in the stream queue `celerity.revoked`. */
  readonly revocations: RevocationStore;
}

const CLOSE_GRACE_MS = 2_000;

class AmqpBrokerImpl implements AmqpBroker {
  readonly transport = 'amqp';
  get connectedTo(): string | undefined {
    return this.connection.connectedTo;
  }
  /** Each connection after the first is a reconnect (connection.ts counts them as generations). */
  get reconnects(): number {
    return Math.max(0, this.connection.generation - 1);
  }
  readonly capabilities: BrokerCapabilities = { priorityOrder: 'high-first', broadcast: true, deadLetters: true };
  /** One durable queue per source queue, `celerity.dead.<queue>` (see dead-letters.ts). */
  readonly deadLetters: AmqpDeadLetters;
  /** Durable revokes: the stream queue `celerity.revoked` (see revocations.ts). */
  readonly revocations: RevocationStore;
  readonly url: string;
  readonly vhost: string;
  readonly logger: Logger;
  readonly connection: AmqpConnection;
  private readonly settings: ResolvedAmqpBrokerOptions;
  private readonly exchangeSpecs: Readonly<Record<string, ExchangeSpec>> | undefined;
  private readonly declarations: Declarations;
  private readonly publisher: Publisher;
  private readonly hub: BroadcastHub;
  private readonly consumers = new Set<AmqpConsumer>();
  /** Broadcast exchanges declared on the current connection generation. */
  private declaredExchanges = new Map<string, { generation: number; done: Promise<void> }>();
  /** The delay topology, and queues bound to its way out, declared on the current connection generation. */
  private delayTopology: { generation: number; done: Promise<void> } | undefined;
  private delayBindings = new Map<string, { generation: number; done: Promise<void> }>();
  private closing: Promise<void> | undefined;

  constructor(options: AmqpBrokerOptions) {
    this.settings = resolveOptions(options);
    this.logger = options.logger ?? silentLogger;
    this.exchangeSpecs = options.exchanges;
    const endpoints = amqpEndpoints(this.settings.url, options.ssl !== undefined && options.ssl !== false);
    // Heartbeat and connection name apply to the whole connection: the first URL's count.
    const url = (endpoints[0] as AmqpEndpoint).url;
    const tls = amqpTlsOptions(options.ssl, options.tls);
    this.url = redactUrl(this.settings.url);
    this.vhost = url.vhost;
    this.connection = new AmqpConnection({
      endpoints,
      displayUrl: this.settings.url,
      heartbeat: url.heartbeat ?? this.settings.heartbeat,
      ...(options.connectionName ?? url.connectionName ? { connectionName: options.connectionName ?? url.connectionName } : {}),
      ...(tls !== undefined ? { tls } : {}),
      reconnectDelay: this.settings.reconnectDelay,
      maxReconnectDelay: this.settings.maxReconnectDelay,
      logger: this.logger,
      setup: (model) => this.declarations.replay(model),
    });
    this.declarations = new Declarations(this.connection, this.logger);
    this.publisher = new Publisher(this.connection, this.logger);
    this.hub = new BroadcastHub({
      connection: this.connection,
      logger: this.logger,
      exchangeSpec: (exchange) => exchangeSpec(exchange, this.exchangeSpecs),
      declareExchange: (channel, exchange) => this.declareExchangeOn(channel, exchange),
      deadline: () => this.deadline(),
    });
    this.revocations = createAmqpRevocations({
      connection: this.connection,
      declarations: this.declarations,
      publisher: this.publisher,
      logger: this.logger,
      deadline: () => {
        this.assertOpen();
        return this.deadline();
      },
    });
    this.deadLetters = createAmqpDeadLetters({
      connection: this.connection,
      declarations: this.declarations,
      publisher: this.publisher,
      logger: this.logger,
      deadline: () => {
        this.assertOpen();
        return this.deadline();
      },
    });
    registerBrokerInternals(this, {
      connection: this.connection,
      publisher: this.publisher,
      logger: this.logger,
      publishTimeout: this.settings.publishTimeout,
    });
  }

  deadline(timeout?: number): number {
    return Date.now() + (timeout ?? this.settings.publishTimeout);
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new ClosedError('AMQP broker');
  }

  async connect(): Promise<void> {
    this.assertOpen();
    await this.connection.acquire(this.deadline(), undefined, true);
  }

  async declareQueue(queue: string, options: QueueDeclaration = {}): Promise<void> {
    this.assertOpen();
    const resolved = resolveQueueDeclaration(options, this.settings.queueType);
    await this.declarations.run(`declare queue ${JSON.stringify(queue)}`, this.deadline(), (channel) => declareTaskQueue(channel, queue, resolved));
    this.declarations.queues.set(queue, resolved);
  }

  deadLetterExchange(queue: string): string | undefined {
    return this.declarations.queues.get(queue)?.deadLetterExchange;
  }

  private message(target: PublishTarget, envelope: Envelope, defaultDeliveryMode: 1 | 2 = 2): OutgoingMessage {
    return {
      exchange: target.exchange ?? '',
      routingKey: target.routingKey ?? target.queue,
      content: bodyBuffer(envelope.body),
      options: toPublishOptions(envelope, { defaultDeliveryMode }),
    };
  }

  async publish(target: PublishTarget, envelope: Envelope, options?: PublishOptions): Promise<void> {
    this.assertOpen();
    // Encode first: a header that cannot be encoded fails before anything else happens.
    const message = this.message(target, envelope);
    await this.publisher.publish(message, this.deadline(options?.timeout), options?.signal);
  }

  async publishMany(items: ReadonlyArray<{ target: PublishTarget; envelope: Envelope }>, options?: PublishOptions): Promise<void> {
    this.assertOpen();
    const messages = new Array<OutgoingMessage>(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as { target: PublishTarget; envelope: Envelope };
      messages[i] = this.message(item.target, item.envelope);
    }
    await this.publisher.publishAll(messages, this.deadline(options?.timeout), options?.signal);
  }

  /**
   * Native delayed delivery (Celery 5.5's `celery_delayed_*` topology, declared on first use and
   * after each reconnect; `queue` gets a `#.<queue>` binding on `celery_delayed_delivery`). The
   * delay is cut to whole seconds, at most 2^28 - 1. Headers are kept, but for RabbitMQ's
   * `x-death` bookkeeping of an earlier trip.
   */
  async publishDelayed(queue: string, envelope: Envelope, delay: number, options?: PublishOptions): Promise<void> {
    this.assertOpen();
    checkDelayableQueue(queue);
    const seconds = Math.min(Math.floor(delay / 1000), MAX_DELAY_SECONDS);
    const routingKey = delayRoutingKey(seconds, queue);
    const message = this.message({ queue, exchange: DELAY_ENTRY_EXCHANGE, routingKey }, { ...envelope, headers: withoutDeathHeaders(envelope.headers) });
    const deadline = this.deadline(options?.timeout);
    await this.ensureDelayTopology(deadline);
    await this.ensureDelayBinding(queue, deadline);
    await this.publisher.publish(message, deadline, options?.signal);
  }

  // Once per connection, like ensureExchange: a message published before its way back to the queue
  // is bound would be dropped at the end of its trip.
  private ensureDelayTopology(deadline: number): Promise<void> {
    const generation = this.connection.generation;
    const known = this.delayTopology;
    if (known !== undefined && known.generation === generation && generation > 0) return known.done;
    const done = this.declarations.run('declare the celery_delayed_* topology', deadline, (channel) => declareDelayTopology(channel, this.settings.delayQueueType));
    const entry = { generation, done };
    this.delayTopology = entry;
    done.catch(() => {
      if (this.delayTopology === entry) this.delayTopology = undefined;
    });
    return done;
  }

  private ensureDelayBinding(queue: string, deadline: number): Promise<void> {
    const generation = this.connection.generation;
    const known = this.delayBindings.get(queue);
    if (known !== undefined && known.generation === generation && generation > 0) return known.done;
    const done = this.declarations.run(`bind ${JSON.stringify(queue)} for delayed delivery`, deadline, (channel) => bindForDelayedDelivery(channel, queue));
    this.delayBindings.set(queue, { generation, done });
    done.catch(() => this.delayBindings.delete(queue));
    return done;
  }

  async consume(queues: readonly string[], handler: (delivery: Delivery) => void, options: ConsumeOptions = {}): Promise<Consumer> {
    this.assertOpen();
    if (queues.length === 0) throw new ConfigurationError('consume() needs at least one queue');
    const isQuorum = (queue: string): boolean => (this.declarations.queues.get(queue)?.queueType ?? this.settings.queueType) === 'quorum';
    for (const queue of queues) if (isQuorum(queue)) await this.prepareDelayedDelivery(queue);
    const consumer = new AmqpConsumer(
      {
        connection: this.connection,
        logger: this.logger,
        isQuorum,
        deadLetterExchange: (queue) => this.deadLetterExchange(queue),
        setAside: async (queue, message, error) => {
          await this.deadLetters.addRaw(queue, message, error);
          return deadLetterQueueName(queue);
        },
        deadline: () => this.deadline(),
      },
      queues,
      handler,
      options,
    );
    this.consumers.add(consumer);
    try {
      await consumer.start();
    } catch (error) {
      this.consumers.delete(consumer);
      await consumer.cancel().catch(() => undefined);
      throw error;
    }
    return {
      cancel: async () => {
        await consumer.cancel();
        // Forget it once its deliveries are settled and its channel is closed (close() would do that part).
        void consumer.finished().then(() => this.consumers.delete(consumer));
      },
      setPrefetch: (prefetch) => consumer.setPrefetch(prefetch),
    };
  }

  /**
   * A Celery 5.5 worker consuming quorum queues declares the delay topology at start and binds its
   * queues to its way out; Python producers then send countdown tasks through it and count on a
   * worker having done so (spec 5.3–5.6 §3.3). Celerity's consumers do the same. A failure (the
   * topology declared with another queue type, a wildcard in the queue's name) is logged and only
   * costs those delayed messages their way back, as in Celery.
   */
  private async prepareDelayedDelivery(queue: string): Promise<void> {
    try {
      checkDelayableQueue(queue);
      const deadline = this.deadline();
      await this.ensureDelayTopology(deadline);
      await this.ensureDelayBinding(queue, deadline);
    } catch (error) {
      this.logger.warn(`Could not prepare native delayed delivery for quorum queue ${JSON.stringify(queue)}: countdown tasks Celery 5.5 sends through celery_delayed_* will not reach it: ${(error as Error).message}`, { error });
    }
  }

  async purge(queue: string): Promise<number> {
    this.assertOpen();
    return this.declarations.run(`purge ${JSON.stringify(queue)}`, this.deadline(), async (channel) => {
      if (!(await queueExists(channel, queue))) return 0;
      return (await channel.purgeQueue(queue)).messageCount;
    });
  }

  async size(queue: string): Promise<number> {
    this.assertOpen();
    return this.declarations.run(`size of ${JSON.stringify(queue)}`, this.deadline(), async (channel) => {
      try {
        return (await channel.checkQueue(queue)).messageCount;
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) return 0;
        throw error;
      }
    });
  }

  private declareExchangeOn(channel: Channel, exchange: string): Promise<void> {
    const spec = exchangeSpec(exchange, this.exchangeSpecs);
    this.declarations.exchanges.set(exchange, spec);
    return declareBroadcastExchange(channel, exchange, spec);
  }

  // Once per connection: publishing to an exchange that does not exist would close the publisher channel.
  private ensureExchange(exchange: string): Promise<void> {
    const generation = this.connection.generation;
    const known = this.declaredExchanges.get(exchange);
    if (known !== undefined && known.generation === generation && generation > 0) return known.done;
    const done = this.declarations.run(`declare exchange ${JSON.stringify(exchange)}`, this.deadline(), (channel) => this.declareExchangeOn(channel, exchange));
    this.declaredExchanges.set(exchange, { generation, done });
    done.catch(() => this.declaredExchanges.delete(exchange));
    return done;
  }

  async broadcast(exchange: string, routingKey: string, envelope: Envelope): Promise<void> {
    this.assertOpen();
    const message = this.message({ queue: routingKey, exchange, routingKey }, envelope, 1);
    if (exchange !== '') await this.ensureExchange(exchange);
    await this.publisher.publish(message, this.deadline());
  }

  subscribe(exchange: string, pattern: string, handler: (message: BroadcastMessage) => void, options?: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    return this.hub.subscribe(exchange, pattern, handler, options);
  }

  flushAcks(): void {
    for (const consumer of this.consumers) consumer.flushAcks();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Pending acks go out, then channels close: RabbitMQ requeues whatever is still unacked.
    await Promise.all([...this.consumers].map((consumer) => consumer.shutdown().catch(() => undefined)));
    this.consumers.clear();
    await this.hub.close();
    await this.publisher.close(Date.now() + CLOSE_GRACE_MS);
    await this.declarations.close();
    await this.connection.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function queueExists(channel: Channel, queue: string): Promise<boolean> {
  try {
    await channel.checkQueue(queue);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return false;
    throw error;
  }
}

/**
 * Creates a broker speaking Celery's RabbitMQ dialect (topology, properties, header types),
 * interoperable with Python Celery 5.2–5.6. Connects lazily (or call `connect()`), reconnects by itself.
 * @example
 * await using broker = createAmqpBroker({ url: 'amqp://guest:guest@localhost:5672//' });
 * await broker.declareQueue('celery');
 * const consumer = await broker.consume(['celery'], (delivery) => void delivery.ack(), { prefetch: 100 });
 */
export function createAmqpBroker(options: AmqpBrokerOptions = {}): AmqpBroker {
  return new AmqpBrokerImpl(options);
}
