/**
 * Publishing with publisher confirms on one ConfirmChannel. A publish resolves when RabbitMQ acks
 * it and rejects on a nack (`PublishNackedError`, after which later publishes go on a new channel)
 * or a channel error (`AmqpChannelError`). When the
 * connection goes away, unconfirmed and new publishes wait for the reconnect and are sent again
 * (at-least-once, as kombu's retrying producer), until their deadline, then fail with
 * `ConnectionError`. Back-pressure: when the channel's write buffer is full we wait for `drain`
 * before writing more, so a fast producer never buffers without bound. Messages are encoded into
 * shared chunks by publish-frames.ts (many per socket write) when amqplib's internals allow it, and
 * through `channel.publish` otherwise; either way in call order.
 */
import type { ConfirmChannel, Options } from 'amqplib';
import { ClosedError, ConnectionError, EncodeError, TimeoutError } from '@celerity/core';
import type { Logger } from '@celerity/core';
import type { AmqpConnection } from './connection.js';
import { isConnectionLoss, mapAmqpError, PublishNackedError } from './errors.js';
import { PublishFrameWriter } from './publish-frames.js';

/** One message ready to go on the wire. */
export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
}

interface Pending extends OutgoingMessage {
  deadline: number;
  /** Called exactly once. */
  done: (error: Error | null) => void;
  settled: boolean;
}

const SWEEP_INTERVAL_MS = 1000;

/** Publishes with confirms; see the module comment. */
export class Publisher {
  private channel: ConfirmChannel | undefined;
  /** Frame writer of the current channel (null: amqplib's internals are not the known ones). */
  private frames: PublishFrameWriter | null = null;
  private opening: Promise<ConfirmChannel> | undefined;
  private readonly channelErrors = new WeakMap<ConfirmChannel, Error>();
  private mustDrain = false;
  private drainWaiters: Array<() => void> = [];
  private readonly inFlight = new Set<Pending>();
  private readonly retryQueue: Pending[] = [];
  private retrying = false;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly logger: Logger,
  ) {}

  /** Publishes one message; resolves on the broker's confirm. */
  publish(message: OutgoingMessage, deadline: number, signal?: AbortSignal): Promise<void> {
    return this.publishAll([message], deadline, signal);
  }

  /**
   * Publishes messages in order, pipelined: every message is written before any confirm is awaited
   * (only a full write buffer pauses the loop). Resolves when all are confirmed; rejects with the
   * first failure (the others still complete).
   */
  async publishAll(messages: readonly OutgoingMessage[], deadline: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new ClosedError('AMQP publisher');
    if (messages.length === 0) return;
    let remaining = messages.length;
    let failure: Error | undefined;
    let finish!: () => void;
    let fail!: (error: Error) => void;
    const all = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const done = (error: Error | null): void => {
      if (error !== null && failure === undefined) {
        failure = error;
        fail(error);
      }
      if (--remaining === 0 && failure === undefined) finish();
    };
    let i = 0;
    try {
      for (; i < messages.length; i++) {
        if (failure !== undefined) break;
        const message = messages[i] as OutgoingMessage;
        if (this.mustDrain) {
          this.flushFrames();
          if (this.mustDrain) await this.waitForDrain(deadline, signal);
        }
        const channel = this.channel ?? (await this.getChannel(deadline, signal));
        this.send(channel, { exchange: message.exchange, routingKey: message.routingKey, content: message.content, options: message.options, deadline, done, settled: false });
      }
      this.flushFrames();
    } catch (error) {
      // Message i was not sent: it fails with the error that stopped the loop.
      done(error instanceof Error ? error : new Error(String(error)));
      i++;
    }
    // Messages never sent (a wait failed) count as failed with that error.
    for (; i < messages.length; i++) if (failure !== undefined) done(failure);
    return all;
  }

  private async getChannel(deadline: number, signal?: AbortSignal): Promise<ConfirmChannel> {
    for (;;) {
      if (this.closed) throw new ClosedError('AMQP publisher');
      if (this.channel !== undefined) return this.channel;
      this.opening ??= this.openChannel(deadline, signal).finally(() => {
        this.opening = undefined;
      });
      try {
        return await this.opening;
      } catch (error) {
        // Someone else's (earlier) deadline may have failed the shared attempt: retry with ours.
        if (Date.now() >= deadline || !isConnectionLoss(error) || signal?.aborted) throw error;
      }
    }
  }

  private async openChannel(deadline: number, signal?: AbortSignal): Promise<ConfirmChannel> {
    const model = await this.connection.acquire(deadline, signal);
    let channel: ConfirmChannel;
    try {
      channel = await model.createConfirmChannel();
    } catch (error) {
      throw mapAmqpError(error, 'opening a publisher channel');
    }
    channel.on('error', (error: Error) => {
      this.channelErrors.set(channel, error);
      this.logger.warn(`AMQP publisher channel closed by RabbitMQ: ${error.message}`, { error });
    });
    channel.on('close', () => this.channelClosed(channel));
    channel.on('drain', () => this.drained(channel));
    if (this.closed) {
      await channel.close().catch(() => undefined);
      throw new ClosedError('AMQP publisher');
    }
    this.channel = channel;
    this.frames = PublishFrameWriter.open(channel, () => {
      if (this.channel === channel) this.mustDrain = true;
    });
    this.mustDrain = false;
    return channel;
  }

  private send(channel: ConfirmChannel, pending: Pending): void {
    this.inFlight.add(pending);
    this.ensureSweeper();
    const frames = this.frames?.channel === channel ? this.frames : null;
    const confirm = (error: unknown): void => this.confirmed(channel, pending, error);
    if (frames !== null) {
      if (frames.append(pending.exchange, pending.routingKey, pending.content, pending.options, confirm)) return;
      // amqplib encodes this one (or throws its error): what is queued goes first.
      frames.flush();
    }
    let writable: boolean;
    try {
      writable = channel.publish(pending.exchange, pending.routingKey, pending.content, pending.options, confirm);
    } catch (error) {
      this.inFlight.delete(pending);
      if (isConnectionLoss(error)) {
        // The socket died before amqplib told the channel: forget the channel now, or resend() takes
        // it again, fails again and loops without yielding (issue 12: the process hung on a reset).
        this.channelClosed(channel);
        this.retry(pending);
      }
      else this.settle(pending, error instanceof RangeError || error instanceof TypeError ? new EncodeError(`Cannot publish: ${error.message}`, { cause: error }) : mapAmqpError(error, 'publish'));
      return;
    }
    if (!writable && channel === this.channel) this.mustDrain = true;
  }

  /** Hands the frames queued on the current channel to amqplib (it may set `mustDrain`). */
  private flushFrames(): void {
    this.frames?.flush();
  }

  private confirmed(channel: ConfirmChannel, pending: Pending, error: unknown): void {
    this.inFlight.delete(pending);
    if (pending.settled) return;
    if (error === null || error === undefined) return this.settle(pending, null);
    const message = error instanceof Error ? error.message : String(error);
    if (message === 'message nacked') {
      this.retireAfterNack(channel);
      return this.settle(pending, new PublishNackedError(`RabbitMQ refused the message (basic.nack) published to ${JSON.stringify(pending.exchange)} / ${JSON.stringify(pending.routingKey)}`));
    }
    const channelError = this.channelErrors.get(channel);
    if (channelError !== undefined && !isConnectionLoss(channelError)) return this.settle(pending, mapAmqpError(channelError, 'publish'));
    // The connection went away before the confirm: the message may or may not have arrived. Send it again.
    this.retry(pending);
  }

  private settle(pending: Pending, error: Error | null): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.done(error);
  }

  private retry(pending: Pending): void {
    if (pending.settled) return;
    if (this.closed) return this.settle(pending, new ClosedError('AMQP publisher'));
    this.retryQueue.push(pending);
    this.ensureSweeper();
    if (!this.retrying) void this.resend();
  }

  private async resend(): Promise<void> {
    this.retrying = true;
    try {
      while (this.retryQueue.length > 0) {
        const next = this.retryQueue[0] as Pending;
        if (next.settled) {
          this.retryQueue.shift();
          continue;
        }
        let channel: ConfirmChannel;
        try {
          if (this.mustDrain) {
            this.flushFrames();
            if (this.mustDrain) await this.waitForDrain(next.deadline);
          }
          channel = this.channel ?? (await this.getChannel(next.deadline));
        } catch (error) {
          // The oldest one ran out of time (or we are closed); the sweeper handles the rest.
          this.retryQueue.shift();
          this.settle(next, error instanceof Error ? error : new ConnectionError(String(error)));
          continue;
        }
        this.retryQueue.shift();
        if (!next.settled) this.send(channel, next);
      }
    } finally {
      this.flushFrames();
      this.retrying = false;
    }
  }

  /**
   * After a nack the channel is replaced: RabbitMQ 3.10 nacks every publish to a quorum queue on a
   * channel opened while the queue had no leader (its node just died, the election still running),
   * for as long as that channel lives, while a new channel is served by the new leader (seen in
   * packages/worker/test/rabbitmq-cluster.int.test.ts). Publishes still unconfirmed on the old
   * channel are sent again on the new one, as after a lost connection.
   */
  private retireAfterNack(channel: ConfirmChannel): void {
    if (this.channel !== channel) return;
    this.logger.warn('RabbitMQ refused a publish (basic.nack); publishing on a new channel from now on');
    this.channelClosed(channel);
    void channel.close().catch(() => undefined);
  }

  private channelClosed(channel: ConfirmChannel): void {
    if (this.channel === channel) {
      this.channel = undefined;
      this.frames = null;
    }
    this.mustDrain = false;
    this.releaseDrainWaiters();
  }

  private drained(channel: ConfirmChannel): void {
    if (channel !== this.channel) return;
    this.mustDrain = false;
    this.releaseDrainWaiters();
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  private waitForDrain(deadline: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError('Timed out waiting for the AMQP write buffer to drain')), Math.max(0, deadline - Date.now()));
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason instanceof Error ? signal.reason : new TimeoutError('Publish aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  // One timer for all deadlines instead of one per message.
  private ensureSweeper(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const pending of this.inFlight) {
      if (pending.deadline > now) continue;
      this.inFlight.delete(pending);
      this.settle(pending, new TimeoutError(`RabbitMQ did not confirm a publish to ${JSON.stringify(pending.routingKey)} in time`));
    }
    for (const pending of this.retryQueue) {
      if (pending.deadline <= now) this.settle(pending, new ConnectionError(`Publish to ${JSON.stringify(pending.routingKey)} failed: no connection to RabbitMQ in time`));
    }
    if (this.inFlight.size === 0 && this.retryQueue.length === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Waits (up to `deadline`) for every unconfirmed publish, then closes the channel. */
  async close(deadline: number): Promise<void> {
    while ((this.inFlight.size > 0 || this.retryQueue.length > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.closed = true;
    for (const pending of [...this.inFlight, ...this.retryQueue]) this.settle(pending, new ClosedError('AMQP publisher'));
    this.inFlight.clear();
    this.retryQueue.length = 0;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.releaseDrainWaiters();
    const channel = this.channel;
    this.channel = undefined;
    if (channel !== undefined) await channel.close().catch(() => undefined);
  }
}
