/**
 * The transport contract, kombu-sized: a broker moves {@link Envelope}s between named queues and
 * fans broadcast messages out. Ack emulation, routing and retry policy live above it (worker,
 * client); each adapter (memory, Redis, AMQP) implements only these primitives.
 */
import type { RevocationStore } from './control/revocations.js';
import type { DeadLetterQueue } from './dead-letters.js';
import type { Logger } from './logger.js';
import type { SharedRateLimiter } from './rate-limiter.js';

/** Transport-level properties of a message (AMQP basic properties; the Redis envelope's `properties`). */
export interface EnvelopeProperties {
  /** Celery sets it to the task id. */
  correlationId?: string;
  /** Reply queue (the client's oid); used by the `rpc://` backend. */
  replyTo?: string;
  /** 0–9; what it means depends on the transport (0 is highest on Redis, 9 on RabbitMQ). @default 0 */
  priority?: number;
  /** 2 = persistent, 1 = transient. @default 2 */
  deliveryMode?: 1 | 2;
  /** Per-message TTL in milliseconds, as a decimal string (AMQP `expiration`). */
  expiration?: string;
  /** Properties this adapter does not model, kept so they survive a round trip. */
  extra?: Record<string, unknown>;
}

/**
 * One message as brokers carry it: headers (task metadata), properties, and the serialized body.
 * On Redis this is kombu's JSON envelope; on AMQP it is headers + basic properties + payload.
 */
export interface Envelope {
  /** The serialized body bytes (JSON or msgpack of `[args, kwargs, embed]` for tasks). */
  body: Uint8Array;
  /** e.g. `application/json`, `application/x-msgpack`. */
  contentType: string;
  /** e.g. `utf-8`, `binary`. */
  contentEncoding: string;
  /** Task headers (protocol v2) or `{}` (protocol v1, control, events). */
  headers: Record<string, unknown>;
  properties: EnvelopeProperties;
}

/** Where a publish goes. Celery sends tasks to the default exchange `""` with routing key = queue. */
export interface PublishTarget {
  /** Queue name (routing key on the default exchange). */
  queue: string;
  /** Exchange name; `""` (default) routes straight to `queue`. @default '' */
  exchange?: string;
  /** Routing key; defaults to `queue`. */
  routingKey?: string;
}

/** Options of {@link Broker.publish}. */
export interface PublishOptions {
  /** Abort waiting for the broker (confirm, reconnect) after this many milliseconds. */
  timeout?: number;
  signal?: AbortSignal;
}

/** A message handed to a consumer. Exactly one of `ack` / `reject` must be called, once. */
export interface Delivery {
  readonly envelope: Envelope;
  /** The queue it was taken from. */
  readonly queue: string;
  /** The exchange and routing key it was published with. */
  readonly exchange: string;
  readonly routingKey: string;
  /** True when the message was delivered before and not acked (restored after a crash or visibility timeout). */
  readonly redelivered: boolean;
  /**
   * Which delivery of this message this is (1 = the first), when the broker counts them (RabbitMQ
   * quorum queues: `x-delivery-count` + 1); undefined when it does not.
   */
  readonly deliveryCount?: number | undefined;
  /** Transport-specific unique tag of this delivery. */
  readonly deliveryTag: string;
  /**
   * True once the delivery can no longer be settled because the channel it came on is gone (AMQP
   * connection loss): the broker redelivers the message, so a consumer should not start it.
   */
  readonly stale?: boolean;
  /** Confirms the message: the broker forgets it. */
  ack(): Promise<void>;
  /**
   * Gives the message back: with `requeue: true` it is delivered again; otherwise it is dropped or
   * dead-lettered (AMQP queues with a dead-letter exchange).
   */
  reject(options?: { requeue?: boolean }): Promise<void>;
}

/**
 * A raw item a broker took off a queue but could not turn into an {@link Envelope} (not JSON, no
 * body, bad base64). The broker has already set it aside (its dead-letter queue, or the queue's own
 * AMQP dead-letter exchange) before reporting it; it is never redelivered in a loop and never
 * silently dropped.
 */
export interface MalformedDelivery {
  queue: string;
  /** The raw bytes or string exactly as read. */
  raw: Uint8Array | string;
  error: Error;
  /** Where it was set aside (a Redis key, an AMQP queue or dead-letter exchange). */
  setAsideAt?: string;
}

/** Options of {@link Broker.consume}. */
export interface ConsumeOptions {
  /** Most deliveries handed out and not yet acked/rejected at once (AMQP `basic.qos`). @default 1 */
  prefetch?: number;
  /** Called for items that could not be decoded into an envelope (already set aside). */
  onMalformed?: (item: MalformedDelivery) => void;
}

/** Handle returned by {@link Broker.consume}. */
export interface Consumer {
  /** Stops taking new messages. Deliveries already handed out stay valid until acked/rejected. */
  cancel(): Promise<void>;
  /** Raise or lower the prefetch window while consuming (ETA tasks held unacked raise it). */
  setPrefetch(prefetch: number): void;
}

/** Options of {@link Broker.declareQueue}. */
export interface QueueDeclaration {
  /** AMQP `x-max-priority`; on Redis priorities always work (sub-lists). */
  maxPriority?: number;
  /** AMQP queue type. @default 'classic' */
  queueType?: 'classic' | 'quorum';
  /** AMQP `x-dead-letter-exchange`. */
  deadLetterExchange?: string;
  /** Durable queue (survives a broker restart). @default true */
  durable?: boolean;
  /** Deleted when the last consumer goes. @default false */
  autoDelete?: boolean;
  /** Extra AMQP queue arguments. */
  arguments?: Record<string, unknown>;
}

/** A broadcast message as received by a subscriber. */
export interface BroadcastMessage {
  exchange: string;
  routingKey: string;
  envelope: Envelope;
}

/** Handle of a broadcast subscription. */
export interface Subscription {
  unsubscribe(): Promise<void>;
}

/** Options of {@link Broker.subscribe}. */
export interface SubscribeOptions {
  /**
   * The name of the subscriber queue, where the transport declares one (AMQP; memory and Redis
   * have none and ignore it). kombu names a worker's control queue `<hostname>.celery.pidbox`.
   * @default a fresh name per subscription
   */
  queue?: string;
}

/** What a broker can do; the conformance suite reads it. */
export interface BrokerCapabilities {
  /** How priority numbers order: `low-first` (Redis/kombu: 0 highest), `high-first` (AMQP: 9 highest). */
  priorityOrder: 'low-first' | 'high-first' | 'none';
  /** Broadcast (fanout / topic) is available. */
  broadcast: boolean;
  /** {@link Broker.deadLetters} is available. */
  deadLetters: boolean;
}

/** The transport contract every broker adapter implements. */
export interface Broker extends AsyncDisposable {
  /** URL scheme family, e.g. `memory`, `redis`, `amqp` (shown in the worker banner). */
  readonly transport: string;
  readonly capabilities: BrokerCapabilities;
  /** Dead-letter storage per queue, when `capabilities.deadLetters`. */
  readonly deadLetters?: DeadLetterQueue;
  /**
   * Durable revokes (ids with an expiry) that every worker of this broker loads at start and adds
   * to as it hears revokes, so a task revoked while no worker ran is still skipped. Optional.
   */
  readonly revocations?: RevocationStore;
  /**
   * Optional: how many times the broker connected again after losing its connection (not the
   * first connect). Metrics read it (`celerity_broker_reconnects`).
   */
  readonly reconnects?: number;
  /** Opens connections; other methods connect lazily too, so calling it is optional. */
  connect(): Promise<void>;
  /** Makes sure a queue exists (AMQP declare; Redis binding set). Idempotent. */
  declareQueue(queue: string, options?: QueueDeclaration): Promise<void>;
  /** Publishes one message. Resolves once the broker has taken it (confirm on AMQP). */
  publish(target: PublishTarget, envelope: Envelope, options?: PublishOptions): Promise<void>;
  /** Publishes many messages in as few round trips as the transport allows; same guarantees as `publish`. */
  publishMany(items: ReadonlyArray<{ target: PublishTarget; envelope: Envelope }>, options?: PublishOptions): Promise<void>;
  /**
   * Optional: publishes `envelope` unchanged so that the broker itself gives it back to `queue` after
   * about `delay` milliseconds, so that a consumer need not hold a far ETA task unacked that long.
   * Resolves once the broker has taken it (confirm on AMQP), like `publish`. `delay` is at least 1000;
   * a transport may round it down to whole seconds and cap it (the message then comes back early,
   * still carrying its ETA). Adapters without it (memory, Redis) leave ETA tasks held by the worker.
   */
  publishDelayed?(queue: string, envelope: Envelope, delay: number, options?: PublishOptions): Promise<void>;
  /** Starts consuming `queues`; `handler` is called for each delivery. */
  consume(queues: readonly string[], handler: (delivery: Delivery) => void, options?: ConsumeOptions): Promise<Consumer>;
  /** Removes every ready message of a queue; returns how many. */
  purge(queue: string): Promise<number>;
  /** Number of ready messages in a queue (all priorities). */
  size(queue: string): Promise<number>;
  /**
   * Optional: the ready messages of a queue by priority step, where the transport keeps them apart
   * (kombu's Redis priority lists: keys `'0'`, `'3'`, `'6'`, `'9'`, each the lowest priority of its
   * step). Dashboards read it; `size` is their sum.
   */
  sizeByPriority?(queue: string): Promise<Record<string, number>>;
  /** Publishes to a fanout / topic exchange (control, events). Not persisted. */
  broadcast(exchange: string, routingKey: string, envelope: Envelope): Promise<void>;
  /**
   * Optional: {@link broadcast} for a JSON body the sender already wrote as the inside of a JSON
   * string (each `"` as `\"`, each `\` as `\\`; ASCII only), in parts to be written one after
   * another. A transport whose envelope is itself JSON (kombu's Redis layout) writes them into the
   * envelope as they stand, with no `body_encoding`, where `broadcast` would base64 the bytes;
   * kombu reads such a body as it stands. The worker sends its `task.multi` event lists this way
   * when the broker has it.
   */
  broadcastJsonText?(exchange: string, routingKey: string, escapedJson: readonly string[], envelope: Omit<Envelope, 'body'>): Promise<void>;
  /** Subscribes to an exchange with a binding pattern (`#` and `*` as in AMQP topics; `''` for fanout). */
  subscribe(exchange: string, pattern: string, handler: (message: BroadcastMessage) => void, options?: SubscribeOptions): Promise<Subscription>;
  /**
   * Optional: publishes to a direct exchange the way kombu routes it, for transports where
   * `broadcast` is pub/sub rather than queue routing (kombu's Redis: an LPUSH to each queue bound
   * under `routingKey` in the exchange's binding set; nothing when none is). Control replies go
   * through it; a broker without it serves them with `broadcast`.
   */
  publishDirect?(exchange: string, routingKey: string, envelope: Envelope): Promise<void>;
  /**
   * Optional counterpart of `publishDirect`: consumes, without acks, a private queue
   * `<routingKey>.<exchange>` bound to the direct exchange under `routingKey` (kombu's control reply
   * queue), until unsubscribed. A broker without it serves it with `subscribe(exchange, routingKey)`.
   */
  consumeDirect?(exchange: string, routingKey: string, handler: (message: BroadcastMessage) => void): Promise<Subscription>;
  /**
   * Writes the acks waiting for their batch to the connection now instead of at the end of the
   * event loop's turn. The worker calls it before a task body that may block the event loop (a
   * synchronous function): otherwise the acks of the tasks finished just before it, or its own early
   * ack, wait until it returns, and a crash meanwhile redelivers messages already done. Optional: a
   * broker without batched acks has nothing to flush.
   */
  flushAcks?(): void;
  /**
   * Optional: token buckets every worker on this broker shares, for cluster-wide rate limits
   * (`rateLimitScope: 'cluster'`). Redis keeps them on the server, the memory broker in its hub;
   * AMQP has none.
   */
  readonly rateLimiter?: SharedRateLimiter;
  /** Stops consuming, gives back unacked messages (they are redelivered), closes connections. */
  close(): Promise<void>;
}

/** Options every broker factory accepts. */
export interface BrokerCommonOptions {
  logger?: Logger;
}
