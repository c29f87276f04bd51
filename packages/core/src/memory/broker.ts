/**
 * The in-memory broker: the same contract and semantics as the Redis / AMQP adapters (FIFO,
 * priorities, prefetch, ack / reject, redelivery on close, topic broadcast) without a server, for
 * users' unit tests and the example.
 */
import type {
  Broker,
  BrokerCapabilities,
  BrokerCommonOptions,
  ConsumeOptions,
  Consumer,
  Delivery,
  Envelope,
  PublishOptions,
  PublishTarget,
  Subscription,
} from '../broker.js';
import { CelerityError, ClosedError, ConfigurationError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { acquireBrokerHub, invokeSafely, releaseBrokerHub } from './broker-hub.js';
import type { HubConsumer, HubSubscription, StoredMessage } from './broker-hub.js';
import { createMemoryDeadLetters } from './dead-letters.js';
import { createMemoryRevocations } from './revocations.js';
import { copyEnvelope } from './envelope-copy.js';
import { priorityLevel } from './fifo.js';

/** Options of {@link createMemoryBroker}. */
export interface MemoryBrokerOptions extends BrokerCommonOptions {
  /**
   * The hub to attach to: brokers with the same name in one process share queues and broadcasts
   * (`memory://` is `'default'`, `memory://jobs` is `'jobs'`).
   * @default 'default'
   */
  name?: string;
  /**
   * How priority numbers order: `low-first` like Redis/kombu (0 is served first) or `high-first`
   * like RabbitMQ (9 first). Messages without a priority count as 0.
   * @default 'low-first'
   */
  priorityOrder?: 'low-first' | 'high-first';
}

let brokerSeq = 0;

interface Unacked {
  queue: string;
  message: StoredMessage;
  consumer: HubConsumer;
  settled: 'no' | 'yes' | 'closed';
}

function checkPrefetch(prefetch: number): number {
  if (!Number.isInteger(prefetch) || prefetch < 0) {
    throw new ConfigurationError(`prefetch must be a non-negative integer (0 = unlimited), got ${String(prefetch)}`);
  }
  return prefetch;
}

function checkSignal(options: PublishOptions | undefined): void {
  if (options?.signal?.aborted) throw options.signal.reason;
}

/**
 * Creates an in-memory broker attached to the named hub. Deliveries are asynchronous, envelopes are
 * copied on the way in and out, and `close()` gives unacked messages back (redelivered).
 * @example
 * const broker = createMemoryBroker({ name: 'tests' });
 * await broker.publish({ queue: 'celery' }, envelope);
 * const consumer = await broker.consume(['celery'], (d) => void d.ack(), { prefetch: 4 });
 */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): Broker {
  const priorityOrder = options.priorityOrder ?? 'low-first';
  if (priorityOrder !== 'low-first' && priorityOrder !== 'high-first') {
    throw new ConfigurationError(`priorityOrder must be 'low-first' or 'high-first', got ${String(priorityOrder)}`);
  }
  const logger = options.logger ?? silentLogger;
  const hub = acquireBrokerHub(options.name ?? 'default');
  const id = ++brokerSeq;
  let tagSeq = 0;
  let closed = false;
  const unacked = new Set<Unacked>();
  const consumers = new Set<HubConsumer>();
  const subscriptions = new Set<HubSubscription>();
  const capabilities: BrokerCapabilities = { priorityOrder, broadcast: true, deadLetters: true };

  const ensureOpen = (): void => {
    if (closed) throw new ClosedError(`memory broker (${hub.name})`);
  };

  const settle = (entry: Unacked, requeue: boolean): void => {
    // The message went back to its queue when the broker closed; acking now would lose nothing but
    // would lie about what happened, so say so.
    if (entry.settled === 'closed') throw new ClosedError(`memory broker (${hub.name})`);
    if (entry.settled === 'yes') throw new CelerityError('DELIVERY_SETTLED', 'This delivery was already acked or rejected');
    entry.settled = 'yes';
    unacked.delete(entry);
    entry.consumer.outstanding -= 1;
    if (requeue) hub.requeue(entry.queue, entry.message);
    else hub.schedule(); // a prefetch slot opened
  };

  const makeConsumer = (queues: readonly string[], handler: (delivery: Delivery) => void, prefetch: number): HubConsumer => {
    const consumer: HubConsumer = {
      queues: [...new Set(queues)],
      priorityOrder,
      prefetch,
      outstanding: 0,
      active: true,
      cursor: 0,
      deliver(queue, message) {
        const entry: Unacked = { queue, message, consumer, settled: 'no' };
        unacked.add(entry);
        const delivery: Delivery = {
          envelope: copyEnvelope(message.envelope),
          queue,
          exchange: message.exchange,
          routingKey: message.routingKey,
          redelivered: message.redelivered,
          deliveryTag: `memory-${id}.${++tagSeq}`,
          ack: async () => settle(entry, false),
          reject: async (opts) => settle(entry, opts?.requeue === true),
        };
        invokeSafely(logger, `consumer handler (${queue})`, () => handler(delivery));
      },
    };
    return consumer;
  };

  const toStored = (target: PublishTarget, envelope: Envelope): { queue: string; message: StoredMessage } => {
    if (typeof target.queue !== 'string' || target.queue === '') {
      throw new ConfigurationError('publish target needs a queue name');
    }
    const copy = copyEnvelope(envelope);
    return {
      queue: target.queue,
      message: {
        envelope: copy,
        exchange: target.exchange ?? '',
        routingKey: target.routingKey ?? target.queue,
        redelivered: false,
        priority: priorityLevel(copy.properties.priority),
      },
    };
  };

  const broker: Broker = {
    transport: 'memory',
    capabilities,
    deadLetters: createMemoryDeadLetters(hub, () => ensureOpen()),
    rateLimiter: hub.rateLimiter,
    revocations: createMemoryRevocations(hub.revoked),
    async connect() {
      ensureOpen();
    },
    async declareQueue(queue) {
      ensureOpen();
      hub.queue(queue);
    },
    async publish(target, envelope, publishOptions) {
      ensureOpen();
      checkSignal(publishOptions);
      const { queue, message } = toStored(target, envelope);
      hub.enqueue(queue, message);
    },
    async publishMany(items, publishOptions) {
      ensureOpen();
      checkSignal(publishOptions);
      // Copy everything first so a bad item publishes nothing, like a failed pipeline.
      const stored = items.map((item) => toStored(item.target, item.envelope));
      for (const { queue, message } of stored) hub.enqueue(queue, message);
    },
    async consume(queues, handler, consumeOptions: ConsumeOptions = {}) {
      ensureOpen();
      if (queues.length === 0) throw new ConfigurationError('consume needs at least one queue');
      const consumer = makeConsumer(queues, handler, checkPrefetch(consumeOptions.prefetch ?? 1));
      for (const queue of consumer.queues) hub.queue(queue);
      consumers.add(consumer);
      hub.addConsumer(consumer);
      const handle: Consumer = {
        async cancel() {
          consumers.delete(consumer);
          hub.removeConsumer(consumer);
        },
        setPrefetch(prefetch) {
          consumer.prefetch = checkPrefetch(prefetch);
          hub.schedule();
        },
      };
      return handle;
    },
    async purge(queue) {
      ensureOpen();
      return hub.queues.get(queue)?.clear() ?? 0;
    },
    async size(queue) {
      ensureOpen();
      return hub.queues.get(queue)?.length ?? 0;
    },
    async broadcast(exchange, routingKey, envelope) {
      ensureOpen();
      hub.broadcast(exchange, routingKey, copyEnvelope(envelope), copyEnvelope);
    },
    async subscribe(exchange, pattern, handler) {
      ensureOpen();
      const subscription: HubSubscription = { exchange, pattern, handler, logger, active: true };
      subscriptions.add(subscription);
      hub.addSubscription(subscription);
      const handle: Subscription = {
        async unsubscribe() {
          subscriptions.delete(subscription);
          hub.removeSubscription(subscription);
        },
      };
      return handle;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const consumer of consumers) hub.removeConsumer(consumer);
      consumers.clear();
      for (const subscription of subscriptions) hub.removeSubscription(subscription);
      subscriptions.clear();
      // Give back newest first so, after the unshifts, they sit in their original delivery order.
      for (const entry of [...unacked].reverse()) {
        entry.settled = 'closed';
        entry.consumer.outstanding -= 1;
        hub.requeue(entry.queue, entry.message);
      }
      unacked.clear();
      releaseBrokerHub(hub);
    },
    async [Symbol.asyncDispose]() {
      await broker.close();
    },
  };
  return broker;
}
