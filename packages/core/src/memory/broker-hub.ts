/**
 * The shared "server" behind memory brokers: queues, consumers and broadcast subscriptions of one
 * named hub. Brokers created with the same name (`memory://name`) in one process attach to the
 * same hub, so a client and a worker built separately still talk to each other.
 */
import type { BroadcastMessage, Envelope } from '../broker.js';
import type { Logger } from '../logger.js';
import { createMemoryRateLimiter } from '../rate-limiter.js';
import type { SharedRateLimiter } from '../rate-limiter.js';
import { PriorityFifo } from './fifo.js';
import { topicMatches } from './topic.js';

/** A message at rest in a hub queue (its envelope is already a private copy). */
export interface StoredMessage {
  envelope: Envelope;
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  priority: number;
}

/** A consumer as the hub sees it: which queues, how many deliveries it may still take. */
export interface HubConsumer {
  readonly queues: readonly string[];
  readonly priorityOrder: 'low-first' | 'high-first';
  /** 0 means unlimited (AMQP `basic.qos` semantics). */
  prefetch: number;
  outstanding: number;
  active: boolean;
  /** Round-robin position over `queues`, so one busy queue cannot starve the others. */
  cursor: number;
  deliver(queue: string, message: StoredMessage): void;
}

/** A broadcast subscription as the hub sees it. */
export interface HubSubscription {
  readonly exchange: string;
  readonly pattern: string;
  active: boolean;
  readonly handler: (message: BroadcastMessage) => void;
  readonly logger: Logger;
}

/** Runs a user callback without letting its failure escape into the hub's delivery loop. */
export function invokeSafely(logger: Logger, what: string, run: () => unknown): void {
  try {
    const result = run();
    if (result !== null && typeof result === 'object' && 'then' in result && typeof result.then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, (error: unknown) => logger.error(`${what} failed`, { error }));
    }
  } catch (error) {
    logger.error(`${what} threw`, { error });
  }
}

/** One named hub. Delivery always happens on a later macrotask, never inside `publish`. */
export class BrokerHub {
  readonly name: string;
  readonly queues = new Map<string, PriorityFifo<StoredMessage>>();
  /** Dead-letter entries per source queue, oldest first (see dead-letters.ts). */
  readonly deadLetters = new Map<string, Envelope[]>();
  /** Token buckets for cluster-wide rate limits, shared by every broker on this hub (system clock). */
  readonly rateLimiter: SharedRateLimiter = createMemoryRateLimiter();
  /** Revoked task ids → when each revoke lapses (ms since the epoch); see memory/revocations.ts. */
  readonly revoked = new Map<string, number>();
  readonly #consumers: HubConsumer[] = [];
  readonly #subscriptions = new Map<string, Set<HubSubscription>>();
  #scheduled = false;
  /** Open brokers attached to this hub; the hub is dropped when none is left and it holds nothing. */
  refs = 0;

  constructor(name: string) {
    this.name = name;
  }

  queue(name: string): PriorityFifo<StoredMessage> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new PriorityFifo<StoredMessage>();
      this.queues.set(name, queue);
    }
    return queue;
  }

  enqueue(queue: string, message: StoredMessage): void {
    this.queue(queue).push(message.priority, message);
    this.schedule();
  }

  /** Gives a message back at the front of its priority level, flagged redelivered. */
  requeue(queue: string, message: StoredMessage): void {
    this.queue(queue).unshift(message.priority, { ...message, redelivered: true });
    this.schedule();
  }

  addConsumer(consumer: HubConsumer): void {
    this.#consumers.push(consumer);
    this.schedule();
  }

  removeConsumer(consumer: HubConsumer): void {
    consumer.active = false;
    const index = this.#consumers.indexOf(consumer);
    if (index >= 0) this.#consumers.splice(index, 1);
  }

  addSubscription(subscription: HubSubscription): void {
    let set = this.#subscriptions.get(subscription.exchange);
    if (!set) {
      set = new Set();
      this.#subscriptions.set(subscription.exchange, set);
    }
    set.add(subscription);
  }

  removeSubscription(subscription: HubSubscription): void {
    subscription.active = false;
    const set = this.#subscriptions.get(subscription.exchange);
    if (!set) return;
    set.delete(subscription);
    if (set.size === 0) this.#subscriptions.delete(subscription.exchange);
  }

  /** Hands a broadcast to every matching subscriber bound now, on a later macrotask. */
  broadcast(exchange: string, routingKey: string, envelope: Envelope, copy: (e: Envelope) => Envelope): void {
    const targets = [...(this.#subscriptions.get(exchange) ?? [])].filter((s) => topicMatches(s.pattern, routingKey));
    if (targets.length === 0) return;
    setImmediate(() => {
      for (const subscription of targets) {
        if (!subscription.active) continue;
        const message: BroadcastMessage = { exchange, routingKey, envelope: copy(envelope) };
        invokeSafely(subscription.logger, `broadcast handler (${exchange})`, () => subscription.handler(message));
      }
    });
  }

  /** Whether nothing would be lost by forgetting this hub. */
  isIdle(): boolean {
    if (this.refs > 0 || this.#consumers.length > 0 || this.#subscriptions.size > 0 || this.deadLetters.size > 0 || this.revoked.size > 0) return false;
    for (const queue of this.queues.values()) if (queue.length > 0) return false;
    return true;
  }

  /** Coalesces wake-ups: one pump per macrotask however many publishes / acks happened. */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /** Deals messages one per consumer per round, like RabbitMQ's round-robin between consumers. */
  #pump(): void {
    let progress = true;
    while (progress) {
      progress = false;
      for (const consumer of [...this.#consumers]) {
        if (!consumer.active) continue;
        if (consumer.prefetch > 0 && consumer.outstanding >= consumer.prefetch) continue;
        const taken = this.#take(consumer);
        if (!taken) continue;
        progress = true;
        consumer.outstanding += 1;
        consumer.deliver(taken.queue, taken.message);
      }
      // Rotate so the consumer served first differs between rounds of separate pumps.
      const first = this.#consumers.shift();
      if (first) this.#consumers.push(first);
    }
  }

  #take(consumer: HubConsumer): { queue: string; message: StoredMessage } | undefined {
    const n = consumer.queues.length;
    for (let i = 0; i < n; i++) {
      const index = (consumer.cursor + i) % n;
      const name = consumer.queues[index] as string;
      const message = this.queues.get(name)?.shift(consumer.priorityOrder);
      if (message) {
        consumer.cursor = (index + 1) % n;
        return { queue: name, message };
      }
    }
    return undefined;
  }
}

const hubs = new Map<string, BrokerHub>();

/** Attaches to the process-wide hub of that name, creating it on first use. */
export function acquireBrokerHub(name: string): BrokerHub {
  let hub = hubs.get(name);
  if (!hub) {
    hub = new BrokerHub(name);
    hubs.set(name, hub);
  }
  hub.refs += 1;
  return hub;
}

/** Detaches from a hub; an idle hub with no broker left is forgotten (nothing observable is lost). */
export function releaseBrokerHub(hub: BrokerHub): void {
  hub.refs = Math.max(0, hub.refs - 1);
  if (hub.isIdle() && hubs.get(hub.name) === hub) hubs.delete(hub.name);
}
