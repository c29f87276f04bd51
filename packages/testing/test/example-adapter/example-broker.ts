/**
 * The example broker (docs/adapters.md): the `Broker` contract on the example server's queues.
 * The server only pushes and shifts strings; acks, the prefetch window and redelivery are the
 * adapter's work, as they are in kombu's Redis transport. No priorities and no broadcast: its
 * capabilities say so, and the conformance suite skips those tests.
 */
import { ClosedError, ConfigurationError, silentLogger } from '@celerity/core';
import type { Broker, BrokerCapabilities, ConsumeOptions, Consumer, Delivery, Envelope, Logger, PublishTarget, Subscription } from '@celerity/core';
import { mapExampleError } from './errors.js';
import { decodeMessage, encodeMessage, type StoredMessage } from './message.js';
import { connectExampleServer, type ExampleConnection } from './server.js';

/** Options of {@link createExampleBroker}. */
export interface ExampleBrokerOptions {
  /** The server to connect to; brokers naming the same one share its queues. @default 'default' */
  server?: string;
  /** @default silentLogger */
  logger?: Logger;
}

/** Runs a server call, mapping what the driver throws (errors.ts). */
function call<T>(connection: ExampleConnection, what: string, fn: (connection: ExampleConnection) => T): T {
  try {
    return fn(connection);
  } catch (error) {
    throw mapExampleError(error, what);
  }
}

// #region broker
class ExampleBroker implements Broker {
  readonly transport = 'example';
  // What the conformance suite reads: no priority order, no broadcast, no dead letters (those tests skip).
  readonly capabilities: BrokerCapabilities = { priorityOrder: 'none', broadcast: false, deadLetters: false };
  readonly #connection: ExampleConnection;
  readonly #logger: Logger;
  readonly #consumers = new Set<ExampleConsumer>();
  #closed = false;

  constructor(options: ExampleBrokerOptions) {
    this.#connection = connectExampleServer(options.server ?? 'default');
    this.#logger = options.logger ?? silentLogger;
  }

  #open(): ExampleConnection {
    if (this.#closed) throw new ClosedError('example broker');
    return this.#connection;
  }

  async connect(): Promise<void> {
    call(this.#open(), 'connect', (c) => c.length(''));
  }

  async declareQueue(queue: string): Promise<void> {
    // Queues exist on first use on this server; a real adapter declares them here.
    call(this.#open(), `declare ${queue}`, (c) => c.length(queue));
  }

  async publish(target: PublishTarget, envelope: Envelope): Promise<void> {
    await this.publishMany([{ target, envelope }]);
  }

  async publishMany(items: ReadonlyArray<{ target: PublishTarget; envelope: Envelope }>): Promise<void> {
    const connection = this.#open();
    for (const { target, envelope } of items) {
      if (target.exchange !== undefined && target.exchange !== '') throw new ConfigurationError(`example broker has no exchanges (got ${target.exchange})`);
      const queue = target.routingKey ?? target.queue;
      call(connection, `publish to ${queue}`, (c) => c.push(queue, encodeMessage({ envelope, redelivered: false })));
    }
  }
  // #endregion broker

  async consume(queues: readonly string[], handler: (delivery: Delivery) => void, options: ConsumeOptions = {}): Promise<Consumer> {
    const connection = this.#open();
    const consumer = new ExampleConsumer(connection, queues, handler, options, this.#logger);
    this.#consumers.add(consumer);
    call(connection, `consume ${queues.join(', ')}`, () => consumer.start());
    return {
      cancel: async () => consumer.cancel(),
      setPrefetch: (prefetch) => consumer.setPrefetch(prefetch),
    };
  }

  async purge(queue: string): Promise<number> {
    return call(this.#open(), `purge ${queue}`, (c) => c.clear(queue));
  }

  async size(queue: string): Promise<number> {
    return call(this.#open(), `size of ${queue}`, (c) => c.length(queue));
  }

  async broadcast(): Promise<void> {
    throw new ConfigurationError('example broker has no broadcast (capabilities.broadcast is false)');
  }

  async subscribe(): Promise<Subscription> {
    throw new ConfigurationError('example broker has no broadcast (capabilities.broadcast is false)');
  }

  // #region close
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // What a server does when a connection drops: unacked messages go back, flagged redelivered.
    for (const consumer of this.#consumers) call(this.#connection, 'give back unacked messages', () => consumer.giveBack());
    this.#consumers.clear();
  }
  // #endregion close

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

// #region consumer
/** One `consume()`: takes messages while fewer than `prefetch` are unsettled. */
class ExampleConsumer {
  readonly #unsettled = new Map<string, { queue: string; message: string }>();
  #unsubscribes: Array<() => void> = [];
  #next = 0;
  #active = true;
  #prefetch: number;

  constructor(
    private readonly connection: ExampleConnection,
    private readonly queues: readonly string[],
    private readonly handler: (delivery: Delivery) => void,
    private readonly options: ConsumeOptions,
    private readonly logger: Logger,
  ) {
    this.#prefetch = options.prefetch ?? 1;
  }

  start(): void {
    // Woken by the server when a queue gets a message: no polling.
    this.#unsubscribes = this.queues.map((queue) => this.connection.subscribe(`queue:${queue}`, () => this.#pump()));
    this.#pump();
  }

  #pump(): void {
    while (this.#active && this.#unsettled.size < this.#prefetch) {
      const taken = this.#take();
      if (taken === undefined) return;
      this.#deliver(taken.queue, taken.message);
    }
  }

  /** The next message, taking the queues in turn. */
  #take(): { queue: string; message: string } | undefined {
    for (let i = 0; i < this.queues.length; i++) {
      const queue = this.queues[(this.#next + i) % this.queues.length] as string;
      const message = this.connection.shift(queue);
      if (message !== undefined) {
        this.#next = (this.#next + i + 1) % this.queues.length;
        return { queue, message };
      }
    }
    return undefined;
  }

  #deliver(queue: string, message: string): void {
    const tag = crypto.randomUUID();
    let stored: StoredMessage;
    try {
      stored = decodeMessage(message);
    } catch (error) {
      // Never redelivered in a loop, never dropped silently: set aside, then reported.
      const setAsideAt = `${queue}:malformed`;
      this.connection.push(setAsideAt, message);
      this.logger.warn(`Set aside an undecodable message from ${queue} in ${setAsideAt}`, { error });
      this.options.onMalformed?.({ queue, raw: message, error: error as Error, setAsideAt });
      return;
    }
    this.#unsettled.set(tag, { queue, message });
    const settle = async (requeue: boolean): Promise<void> => {
      const held = this.#unsettled.get(tag);
      // Settled already, or given back by close(): the server redelivers it.
      if (held === undefined) return;
      this.#unsettled.delete(tag);
      if (requeue) call(this.connection, `requeue to ${queue}`, (c) => c.push(queue, encodeMessage({ ...decodeMessage(held.message), redelivered: true }), true));
      this.#pump();
    };
    const delivery: Delivery = {
      envelope: stored.envelope,
      queue,
      exchange: '',
      routingKey: queue,
      redelivered: stored.redelivered,
      deliveryTag: tag,
      ack: () => settle(false),
      reject: (options) => settle(options?.requeue === true),
    };
    // Handlers run after the call that took the message, as a network delivery would.
    queueMicrotask(() => this.handler(delivery));
  }
  // #endregion consumer

  setPrefetch(prefetch: number): void {
    this.#prefetch = prefetch;
    this.#pump();
  }

  cancel(): void {
    this.#active = false;
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
  }

  /** Puts unsettled messages back first in line, oldest first, flagged redelivered. */
  giveBack(): void {
    this.cancel();
    for (const { queue, message } of [...this.#unsettled.values()].reverse()) {
      this.connection.push(queue, encodeMessage({ ...decodeMessage(message), redelivered: true }), true);
    }
    this.#unsettled.clear();
  }
}

/**
 * Creates a broker on the named example server.
 * @example
 * await using broker = createExampleBroker({ server: 'jobs' });
 * await broker.publish({ queue: 'celery' }, envelope);
 */
export function createExampleBroker(options: ExampleBrokerOptions = {}): Broker {
  return new ExampleBroker(options);
}
