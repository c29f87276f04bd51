/**
 * The reply queues an `rpc://` client reads: auto-delete with `x-expires` as Celery declares them,
 * but durable where Celery's are not: RabbitMQ 4.3 refuses queues that are neither durable nor
 * exclusive (celery/kombu#2237), and an exclusive one could not be declared again under its fixed
 * name after a reconnect until RabbitMQ has noticed the old connection is dead. Consumed without
 * acks on one channel, consumed again after a reconnect or a channel error, and drained with `basic.get` when a `get` must see every state
 * already sent.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { ClosedError } from '@celerity/core';
import type { Logger } from '@celerity/core';
import type { AmqpConnection } from './connection.js';
import { mapAmqpError } from './errors.js';
import { typeFieldTable } from './header-types.js';

/** What the reply queues need from their backend. */
export interface ReplyQueuesHost {
  readonly connection: AmqpConnection;
  readonly logger: Logger;
  /** `x-expires` of the queues, ms. */
  readonly expiresMs: number;
  deadline(): number;
  /** Every message read from any reply queue. */
  take(message: Pick<ConsumeMessage, 'content' | 'properties'>): void;
}

interface ReplyQueue {
  ready: Promise<void>;
  channel: Channel | undefined;
  consumerTag: string | undefined;
}

const SYNC_LIMIT = 10_000;

/** The consumed reply queues of one backend; see the module comment. */
export class ReplyQueues {
  private readonly queues = new Map<string, ReplyQueue>();
  private channel: Channel | undefined;
  private opening: Promise<Channel> | undefined;
  private declared = new Map<string, { generation: number; done: Promise<void> }>();
  private closed = false;
  /** Settles when a channel is gone, however it went (our close, the connection's, an error). */
  private readonly gone = new WeakMap<Channel, Promise<void>>();

  constructor(private readonly host: ReplyQueuesHost) {}

  /** How many queues are consumed (or being set up). */
  get size(): number {
    return this.queues.size;
  }

  /** Whether a queue is adopted and its consumer is running right now. */
  consuming(queue: string): boolean {
    return this.queues.get(queue)?.consumerTag !== undefined;
  }

  /** Declares and consumes a queue (once); failures let a later call try again. */
  adopt(queue: string): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('rpc:// result backend'));
    const known = this.queues.get(queue);
    if (known !== undefined) return known.ready;
    const entry: ReplyQueue = { ready: Promise.resolve(), channel: undefined, consumerTag: undefined };
    entry.ready = this.start(queue, entry);
    this.queues.set(queue, entry);
    entry.ready.catch(() => {
      if (this.queues.get(queue) === entry && entry.consumerTag === undefined) this.queues.delete(queue);
    });
    return entry.ready;
  }

  /** Resolves once every adopted queue is consumed. */
  async ready(): Promise<void> {
    await Promise.all([...this.queues.values()].map((entry) => entry.ready));
  }

  /** Makes sure a queue exists without consuming it (once per connection), so states sent to it wait there. */
  declare(queue: string): Promise<void> {
    if (this.queues.get(queue)?.consumerTag !== undefined) return Promise.resolve();
    const generation = this.host.connection.generation;
    const known = this.declared.get(queue);
    if (known !== undefined && known.generation === generation && generation > 0) return known.done;
    const done = (async () => {
      const channel = await this.getChannel();
      try {
        await this.assert(channel, queue);
      } catch (error) {
        throw mapAmqpError(error, `declare reply queue ${JSON.stringify(queue)}`);
      }
    })();
    this.declared.set(queue, { generation, done });
    done.catch(() => this.declared.delete(queue));
    return done;
  }

  /** Whether `declare` (or `adopt`) was ever asked for a queue. */
  known(queue: string): boolean {
    return this.queues.has(queue) || this.declared.has(queue);
  }

  private assert(channel: Channel, queue: string): Promise<unknown> {
    return channel.assertQueue(queue, { durable: true, autoDelete: true, exclusive: false, arguments: typeFieldTable({ 'x-expires': this.host.expiresMs }) });
  }

  private async start(queue: string, entry: ReplyQueue): Promise<void> {
    const channel = await this.getChannel();
    try {
      await this.assert(channel, queue);
      const ok = await channel.consume(queue, (message) => this.receive(queue, message), { noAck: true });
      entry.channel = channel;
      entry.consumerTag = ok.consumerTag;
    } catch (error) {
      throw mapAmqpError(error, `consume reply queue ${JSON.stringify(queue)}`);
    }
  }

  private async getChannel(): Promise<Channel> {
    if (this.channel !== undefined) return this.channel;
    this.opening ??= (async () => {
      const model = await this.host.connection.acquire(this.host.deadline());
      let channel: Channel;
      try {
        channel = await model.createChannel();
      } catch (error) {
        throw mapAmqpError(error, 'opening the rpc:// channel');
      }
      channel.on('error', (error: Error) => this.host.logger.warn(`rpc:// channel closed by RabbitMQ: ${error.message}`, { error }));
      this.gone.set(channel, new Promise<void>((resolve) => channel.once('close', () => resolve())));
      channel.on('close', () => {
        if (this.channel !== channel) return;
        this.channel = undefined;
        // A channel error on a live connection: consume again on a new channel (lost connections: resume()).
        if (!this.closed && this.host.connection.current === model) setTimeout(() => this.resume(), 500).unref();
      });
      if (this.closed) {
        await channel.close().catch(() => undefined);
        throw new ClosedError('rpc:// result backend');
      }
      this.channel = channel;
      return channel;
    })().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** After a reconnect (or a channel error) consumes every adopted queue again. */
  resume(): void {
    if (this.closed) return;
    for (const [queue, entry] of this.queues) {
      if (entry.channel !== undefined && entry.channel === this.channel) continue;
      entry.channel = undefined;
      entry.consumerTag = undefined;
      entry.ready = this.start(queue, entry);
      entry.ready.catch((error: unknown) => {
        this.host.logger.error(`rpc:// backend could not consume reply queue ${JSON.stringify(queue)} again: ${error instanceof Error ? error.message : String(error)}`, { error });
      });
    }
  }

  private receive(queue: string, message: ConsumeMessage | null): void {
    if (message === null) {
      this.host.logger.warn(`RabbitMQ cancelled the rpc:// consumer of ${JSON.stringify(queue)}; consuming again`);
      const entry = this.queues.get(queue);
      if (entry !== undefined) entry.channel = undefined;
      setTimeout(() => this.resume(), 500).unref();
      return;
    }
    this.host.take(message);
  }

  /** Takes whatever is still queued (not pushed to our consumer yet) with basic.get. */
  async drain(): Promise<void> {
    for (const [queue, entry] of this.queues) {
      const channel = entry.channel;
      if (channel === undefined) continue;
      for (let i = 0; i < SYNC_LIMIT; i++) {
        let message: Awaited<ReturnType<Channel['get']>>;
        try {
          message = await channel.get(queue, { noAck: true });
        } catch (error) {
          throw mapAmqpError(error, `read reply queue ${JSON.stringify(queue)}`);
        }
        if (message === false) break;
        this.host.take(message);
      }
    }
  }

  /** Closes the channel: the consumers stop and RabbitMQ deletes the auto-delete queues. */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    const channel = this.channel;
    this.channel = undefined;
    this.queues.clear();
    // amqplib's channel.close() never settles when the connection closes under it (the broker
    // sharing this connection may be closing at the same time): the 'close' event always comes.
    if (channel !== undefined) await Promise.race([channel.close().catch(() => undefined), this.gone.get(channel)]);
  }
}
