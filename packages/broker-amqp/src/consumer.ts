/**
 * The consuming side: one channel per `consume()` call, `basic.consume` with manual acks on each
 * queue, batched acks (acks.ts). The prefetch window is per consumer (`basic.qos` with
 * global=false before each `basic.consume`), never channel-wide: RabbitMQ 4.3 refuses global QoS
 * (kombu#2469) and quorum queues never had it (appendix §3.2). So each queue consumed may hold up to
 * `prefetch` unacked deliveries: a `consume()` of N queues holds at most N × prefetch in all (as a
 * Celery worker consuming quorum queues does); one queue never waits for another's window.
 * RabbitMQ applies `basic.qos` only to consumers started after it, so a window is made of the
 * limits of a queue's consumers: a wider one adds a consumer, a narrower one replaces them (see
 * applyPrefetch and settled). After a reconnect the
 * same Consumer opens a new channel and consumes again; RabbitMQ redelivers what was unacked.
 * A message that is not a Celery message (no header table, no content type) is set aside — rejected
 * to the queue's dead-letter exchange when it has one, else copied into its `celerity.dead.<queue>`
 * queue and acked — logged, and reported. On quorum queues RabbitMQ counts deliveries
 * (`x-delivery-count`): deliveries carry it as `deliveryCount`, and the header is taken off the
 * envelope so that a message the worker sends on (a retry) does not carry it along.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { ConnectionError, DecodeError } from '@celerity/core';
import type { ConsumeOptions, Consumer, Delivery, Envelope, Logger, MalformedDelivery } from '@celerity/core';
import { AckTracker } from './acks.js';
import type { AmqpConnection } from './connection.js';
import { fromAmqpMessage } from './envelope.js';
import { mapAmqpError } from './errors.js';

/** What a consumer needs from its broker. */
export interface ConsumerHost {
  readonly connection: AmqpConnection;
  readonly logger: Logger;
  /** Whether a queue is a quorum queue (its deliveries carry `x-delivery-count`). */
  isQuorum(queue: string): boolean;
  /** Where rejected messages of a queue go, if anywhere. */
  deadLetterExchange(queue: string): string | undefined;
  /** Copies a malformed message into the queue's dead-letter queue; resolves to that queue's name. */
  setAside(queue: string, message: ConsumeMessage, error: Error): Promise<string>;
  /** Deadline (epoch ms) for operations started now. */
  deadline(): number;
}

/** One message handed to a handler. */
export class AmqpDelivery implements Delivery {
  private settled = false;
  readonly deliveryTag: string;
  constructor(
    readonly envelope: Envelope,
    readonly queue: string,
    readonly exchange: string,
    readonly routingKey: string,
    readonly redelivered: boolean,
    private readonly tag: number,
    private readonly tracker: AckTracker,
    serial: number,
    readonly deliveryCount?: number,
  ) {
    this.deliveryTag = `${serial}.${tag}`;
  }
  /** The channel is gone: RabbitMQ redelivers this message elsewhere. */
  get stale(): boolean {
    return !this.settled && this.tracker.closed;
  }
  ack(): Promise<void> {
    if (this.settled) return Promise.resolve();
    this.settled = true;
    return this.tracker.ack(this.tag);
  }
  reject(options?: { requeue?: boolean }): Promise<void> {
    if (this.settled) return Promise.resolve();
    this.settled = true;
    return this.tracker.reject(this.tag, options?.requeue === true);
  }
}

let channelSerial = 0;
const FIRST_RESTART_DELAY_MS = 500;
/** Past this many consumers of a queue, a wider window replaces them rather than adding one more. */
const MAX_CONSUMERS_PER_QUEUE = 8;
const MAX_RESTART_DELAY_MS = 30_000;

interface ChannelState {
  channel: Channel;
  tracker: AckTracker;
  serial: number;
  generation: number;
  /** Consumers running, by consumer tag: their queue and prefetch (0 = unlimited). */
  live: Map<string, { queue: string; limit: number }>;
  /** Cancelled consumers with deliveries still unsettled, by consumer tag → queue. */
  retired: Map<string, string>;
  /** queue → the window (`prefetch`) its consumers' limits were worked out for. */
  bases: Map<string, number>;
}

/** Consumes a set of queues for one handler (see module comment). */
export class AmqpConsumer implements Consumer {
  private state: ChannelState | undefined;
  private prefetch: number;
  private cancelled = false;
  private readonly queues: string[];
  /** Channels of earlier cancels / restarts kept open until their deliveries are settled. */
  private readonly draining = new Set<ChannelState>();
  private readonly retiring = new Set<Promise<void>>();
  private qosChain: Promise<void> = Promise.resolve();
  /** Queues with a refill queued on qosChain. */
  private readonly refills = new Set<string>();
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelay = FIRST_RESTART_DELAY_MS;
  private starting: Promise<void> | undefined;
  private readonly offOpen: () => void;

  constructor(
    private readonly host: ConsumerHost,
    queues: readonly string[],
    private readonly handler: (delivery: Delivery) => void,
    private readonly options: ConsumeOptions,
  ) {
    this.queues = [...new Set(queues)];
    this.prefetch = normalizePrefetch(options.prefetch ?? 1);
    this.offOpen = host.connection.onOpen((model, generation) => this.reopen(model, generation));
  }

  /** Opens the channel and starts consuming; rejects if RabbitMQ refuses (e.g. a queue does not exist). */
  async start(): Promise<void> {
    const deadline = this.host.deadline();
    const run = async (): Promise<void> => {
      for (;;) {
        const model = await this.host.connection.acquire(deadline);
        try {
          await this.open(model, this.host.connection.generation);
          return;
        } catch (error) {
          // The connection died while we were setting up: wait for the next one (until the deadline).
          if (!(error instanceof ConnectionError) || Date.now() >= deadline || this.cancelled) throw error;
        }
      }
    };
    this.starting = run();
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  private async open(model: ChannelModel, generation: number): Promise<void> {
    let channel: Channel;
    try {
      channel = await model.createChannel();
    } catch (error) {
      throw mapAmqpError(error, 'opening a consumer channel');
    }
    const tracker: AckTracker = new AckTracker(channel, (consumerTag) => this.settled(state, consumerTag));
    const state: ChannelState = { channel, tracker, serial: ++channelSerial, generation, live: new Map(), retired: new Map(), bases: new Map() };
    channel.on('error', (error: Error) => this.host.logger.warn(`AMQP consumer channel closed by RabbitMQ: ${error.message}`, { error }));
    channel.on('close', () => this.closed(state));
    try {
      for (const queue of this.queues) {
        state.bases.set(queue, this.prefetch);
        await this.consumeQueue(state, queue, this.prefetch);
      }
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw mapAmqpError(error, `consume from ${this.queues.map((q) => JSON.stringify(q)).join(', ')}`);
    }
    if (state.tracker.closed) throw new ConnectionError('The AMQP consumer channel closed while it was being set up');
    if (this.cancelled) {
      this.retire(state);
      return;
    }
    this.state = state;
  }

  private receive(state: ChannelState, queue: string, message: ConsumeMessage | null): void {
    if (message === null) {
      // basic.cancel from the server: the queue was deleted. Try again (it may be redeclared).
      this.host.logger.warn(`RabbitMQ cancelled the consumer of queue ${JSON.stringify(queue)} (queue deleted?)`);
      for (const tag of this.liveOf(state, queue)) state.live.delete(tag);
      if (state === this.state) this.scheduleRestart();
      return;
    }
    const tag = message.fields.deliveryTag;
    state.tracker.track(tag, message.fields.consumerTag);
    let envelope: Envelope;
    try {
      envelope = fromAmqpMessage(message);
    } catch (error) {
      this.malformed(state, queue, tag, message, error instanceof Error ? error : new DecodeError(String(error)));
      return;
    }
    const fields = message.fields;
    const deliveryCount = this.host.isQuorum(queue) ? quorumDeliveryCount(envelope.headers) : undefined;
    const delivery = new AmqpDelivery(envelope, queue, fields.exchange, fields.routingKey, fields.redelivered, tag, state.tracker, state.serial, deliveryCount);
    try {
      this.handler(delivery);
    } catch (error) {
      this.host.logger.error(`Consumer handler threw; message requeued: ${error instanceof Error ? error.message : String(error)}`, { error });
      void delivery.reject({ requeue: true });
    }
  }

  private malformed(state: ChannelState, queue: string, tag: number, message: ConsumeMessage, error: Error): void {
    const dlx = this.host.deadLetterExchange(queue);
    if (dlx !== undefined) {
      void state.tracker.reject(tag, false);
      this.host.logger.warn(`Malformed message in queue ${JSON.stringify(queue)} rejected without requeue (dead-lettered to ${JSON.stringify(dlx)}): ${error.message}`, {
        queue,
        error,
        deadLetterExchange: dlx,
      });
      this.report({ queue, raw: message.content, error, setAsideAt: dlx });
      return;
    }
    this.host.setAside(queue, message, error).then(
      (dead) => {
        void state.tracker.ack(tag);
        this.host.logger.warn(`Malformed message in queue ${JSON.stringify(queue)} set aside in ${JSON.stringify(dead)}: ${error.message}`, { queue, error, deadLetterQueue: dead });
        this.report({ queue, raw: message.content, error, setAsideAt: dead });
      },
      (setAsideError: unknown) => {
        // Not copied: it stays in its queue (redelivered) rather than vanish.
        void state.tracker.reject(tag, true);
        this.host.logger.error(`Malformed message in queue ${JSON.stringify(queue)} could not be set aside, requeued: ${setAsideError instanceof Error ? setAsideError.message : String(setAsideError)}`, {
          queue,
          error: setAsideError,
        });
      },
    );
  }

  private report(report: MalformedDelivery): void {
    try {
      this.options.onMalformed?.(report);
    } catch (callbackError) {
      this.host.logger.error('onMalformed callback threw', { error: callbackError });
    }
  }

  setPrefetch(prefetch: number): void {
    this.prefetch = normalizePrefetch(prefetch);
    this.qosChain = this.qosChain.then(() => this.applyPrefetch()).catch((error: unknown) => {
      this.host.logger.warn(`Could not change the prefetch window: ${error instanceof Error ? error.message : String(error)}`, { error });
    });
  }

  private async applyPrefetch(): Promise<void> {
    const state = this.state;
    if (state === undefined || this.cancelled) return;
    const window = this.prefetch;
    for (const queue of this.queues) {
      const before = state.bases.get(queue);
      if (before === undefined || before === window) continue;
      state.bases.set(queue, window);
      const free = this.free(state, queue, window);
      try {
        const crowded = this.liveOf(state, queue).length >= MAX_CONSUMERS_PER_QUEUE;
        if (window !== 0 && before !== 0 && free > 0 && !crowded) {
          // Wider: one more consumer with the difference; the running ones keep theirs.
          await this.consumeQueue(state, queue, free);
        } else if (window === 0 || before === 0 || free < 0 || (free > 0 && crowded)) {
          // Narrower (or to / from unlimited, or wider with many consumers already): replace them;
          // what they hold still counts. amqplib sends one basic.cancel after the other's cancel-ok:
          // acks wait meanwhile, or RabbitMQ would refill a consumer not cancelled yet.
          const resume = state.tracker.pause();
          try {
            for (const tag of this.liveOf(state, queue)) await this.retireConsumer(state, tag);
          } finally {
            resume();
          }
          const left = this.free(state, queue, window);
          if (window === 0 || left > 0) await this.consumeQueue(state, queue, window === 0 ? 0 : left);
          // else settled() starts one once enough of what is held is settled.
        }
      } catch (error) {
        // A queue left without a consumer is consumed again by repair().
        if (state === this.state) this.scheduleRestart();
        throw error;
      }
    }
  }

  private liveOf(state: ChannelState, queue: string): string[] {
    return [...state.live].filter(([, c]) => c.queue === queue).map(([tag]) => tag);
  }

  /** Deliveries of a queue that its cancelled consumers on this channel still hold. */
  private heldByRetired(state: ChannelState, queue: string): number {
    let held = 0;
    for (const [tag, of] of state.retired) if (of === queue) held += state.tracker.outstandingOf(tag);
    return held;
  }

  /** What a window leaves to add for a queue: minus its consumers' limits and what cancelled ones hold. */
  private free(state: ChannelState, queue: string, window: number): number {
    let limits = 0;
    for (const c of state.live.values()) if (c.queue === queue) limits += c.limit;
    return window - limits - this.heldByRetired(state, queue);
  }

  /** `basic.qos` (per consumer, global=false) then `basic.consume` of one queue with that prefetch. */
  private async consumeQueue(state: ChannelState, queue: string, limit: number): Promise<void> {
    await state.channel.prefetch(limit, false);
    const ok = await state.channel.consume(queue, (message) => this.receive(state, queue, message), { noAck: false });
    state.live.set(ok.consumerTag, { queue, limit });
  }

  /** basic.cancel: after cancel-ok it gets nothing more, so what it still holds is counted exactly. */
  private async retireConsumer(state: ChannelState, tag: string): Promise<void> {
    const consumer = state.live.get(tag);
    if (consumer === undefined) return;
    state.live.delete(tag);
    await state.channel.cancel(tag);
    if (state.tracker.outstandingOf(tag) > 0) state.retired.set(tag, consumer.queue);
  }

  /**
   * A delivery was settled. When it was held by a cancelled consumer, the window it leaves is given
   * to a new consumer of its queue: at once when the queue has none, in chunks of a quarter window
   * or more, and the rest once the cancelled consumers hold nothing. A queue never holds more than
   * the window; once what was held before a change is settled, it has all of it again.
   */
  private settled(state: ChannelState, consumerTag: string): void {
    const queue = state.retired.get(consumerTag);
    if (queue === undefined) return;
    if (state.tracker.outstandingOf(consumerTag) === 0) state.retired.delete(consumerTag);
    if (state !== this.state || this.refills.has(queue) || !this.topUpWanted(state, queue)) return;
    this.refills.add(queue);
    this.qosChain = this.qosChain
      .then(async () => {
        this.refills.delete(queue);
        if (state !== this.state || this.cancelled || !this.topUpWanted(state, queue)) return;
        await this.consumeQueue(state, queue, this.free(state, queue, this.prefetch));
      })
      .catch((error: unknown) => {
        this.host.logger.warn(`Could not widen the prefetch window of queue ${JSON.stringify(queue)}: ${error instanceof Error ? error.message : String(error)}`, { error });
      });
  }

  private topUpWanted(state: ChannelState, queue: string): boolean {
    const window = this.prefetch;
    if (window === 0 || state.bases.get(queue) !== window) return false;
    const free = this.free(state, queue, window);
    if (free < 1) return false;
    return this.liveOf(state, queue).length === 0 || this.heldByRetired(state, queue) === 0 || free >= Math.ceil(window / 4);
  }

  private reopen(model: ChannelModel, generation: number): void {
    if (this.cancelled || this.starting !== undefined || (this.state !== undefined && this.state.generation === generation)) return;
    this.restart(model, generation);
  }

  private restart(model: ChannelModel, generation: number): void {
    if (this.starting !== undefined || this.cancelled) return;
    this.starting = this.open(model, generation)
      .then(() => {
        this.restartDelay = FIRST_RESTART_DELAY_MS;
      })
      .catch((error: unknown) => {
        this.host.logger.error(`Could not resume consuming: ${error instanceof Error ? error.message : String(error)}`, { error });
        this.scheduleRestart();
      })
      .finally(() => {
        this.starting = undefined;
      });
  }

  private scheduleRestart(): void {
    if (this.cancelled || this.restartTimer !== undefined) return;
    const delay = this.restartDelay;
    this.restartDelay = Math.min(this.restartDelay * 2, MAX_RESTART_DELAY_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.repair();
    }, delay);
    this.restartTimer.unref();
  }

  /** Brings consumption back after a channel error or a server-side cancel (lost connections: see reopen). */
  private async repair(): Promise<void> {
    const model = this.host.connection.current;
    if (this.cancelled || model === undefined || this.starting !== undefined) return;
    const state = this.state;
    if (state === undefined || state.tracker.closed) {
      this.restart(model, this.host.connection.generation);
      return;
    }
    for (const queue of this.queues) {
      if (this.liveOf(state, queue).length > 0) continue;
      state.bases.set(queue, this.prefetch);
      const free = this.free(state, queue, this.prefetch);
      // Nothing free: settled() starts the consumer once enough of what is held is settled.
      if (this.prefetch !== 0 && free < 1) continue;
      try {
        await this.consumeQueue(state, queue, this.prefetch === 0 ? 0 : free);
        this.restartDelay = FIRST_RESTART_DELAY_MS;
      } catch (error) {
        this.host.logger.warn(`Could not consume from queue ${JSON.stringify(queue)} again: ${error instanceof Error ? error.message : String(error)}`, { error });
        this.scheduleRestart();
        return;
      }
    }
  }

  private closed(state: ChannelState): void {
    state.tracker.markDead();
    this.draining.delete(state);
    if (this.state !== state) return;
    this.state = undefined;
    // A channel error on a live connection needs a new channel; after a lost connection onOpen
    // gets there first and repair() finds nothing to do.
    this.scheduleRestart();
  }

  /** Stops a channel's consumers and closes it once its deliveries are settled. */
  private retire(state: ChannelState): void {
    this.draining.add(state);
    const tags = [...state.live.keys()];
    state.live.clear();
    const done = (async () => {
      for (const tag of tags) await state.channel.cancel(tag).catch(() => undefined);
      await state.tracker.idle();
      state.tracker.flush();
      await state.channel.close().catch(() => undefined);
      this.draining.delete(state);
    })();
    this.retiring.add(done);
    void done.finally(() => this.retiring.delete(done));
  }

  /** Resolves once every channel of this consumer is closed (after `cancel`, when its deliveries are settled). */
  async finished(): Promise<void> {
    while (this.retiring.size > 0) await Promise.all([...this.retiring]);
  }

  async cancel(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    this.offOpen();
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    await this.starting;
    const state = this.state;
    this.state = undefined;
    if (state === undefined) return;
    // basic.cancel now; the channel stays open for the deliveries already handed out.
    const tags = [...state.live.keys()];
    state.live.clear();
    for (const tag of tags) await state.channel.cancel(tag).catch(() => undefined);
    this.retire(state);
  }

  /** Sends the acks of every channel of this consumer that wait for their batch now. */
  flushAcks(): void {
    this.state?.tracker.flush();
    for (const state of this.draining) state.tracker.flush();
  }

  /** Cancels, sends pending acks and closes every channel: unacked messages go back to their queues. */
  async shutdown(): Promise<void> {
    await this.cancel();
    for (const state of [...this.draining]) {
      state.tracker.flush();
      state.tracker.markDead();
      await state.channel.close().catch(() => undefined);
    }
    this.draining.clear();
  }
}

function normalizePrefetch(prefetch: number): number {
  return Number.isFinite(prefetch) && prefetch > 0 ? Math.min(Math.floor(prefetch), 65535) : 0;
}

/**
 * Which delivery of a quorum-queue message this is: RabbitMQ's `x-delivery-count` (deliveries
 * returned before this one) plus one. The header is removed from the envelope (see module comment).
 */
function quorumDeliveryCount(headers: Record<string, unknown>): number {
  const count = headers['x-delivery-count'];
  delete headers['x-delivery-count'];
  const n = typeof count === 'bigint' ? Number(count) : count;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n + 1 : 1;
}
