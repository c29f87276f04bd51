/**
 * Broadcast subscriptions (control and events) the way Celery's receivers do them: a private queue
 * per subscription — non-durable, auto-delete, exclusive (allowed by every Celery version,
 * appendix §3.4), with Celery's `x-expires` / `x-message-ttl` — bound to the exchange with the
 * pattern, consumed without acks. All subscriptions of a broker share one channel; after a
 * reconnect each gets a fresh queue (the old exclusive one may still belong to the dead connection).
 * A subscription may ask for its queue's name (the worker's `<hostname>.celery.pidbox`, as kombu
 * names it); when another connection holds that name, a suffix is added.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { ClosedError } from '@celerity/core';
import type { BroadcastMessage, Logger, SubscribeOptions, Subscription } from '@celerity/core';
import type { AmqpConnection } from './connection.js';
import { fromAmqpMessage } from './envelope.js';
import { mapAmqpError } from './errors.js';
import { typeFieldTable } from './header-types.js';
import { bindingKey, subscriberQueueArguments, subscriberQueueName, type ExchangeSpec } from './topology.js';

/** What the hub needs from its broker. */
export interface BroadcastHost {
  readonly connection: AmqpConnection;
  readonly logger: Logger;
  exchangeSpec(exchange: string): ExchangeSpec;
  /** Declares a broadcast exchange on a channel (remembered for redeclaration after reconnects). */
  declareExchange(channel: Channel, exchange: string): Promise<void>;
  deadline(): number;
}

interface Sub {
  exchange: string;
  pattern: string;
  handler: (message: BroadcastMessage) => void;
  /** The queue name asked for (kombu's `<hostname>.celery.pidbox`). */
  name?: string;
  queue?: string;
  consumerTag?: string;
  /** The channel its consumer lives on. */
  channel?: Channel;
  active: boolean;
}

/** Routes broadcast messages to subscriptions; see the module comment. */
export class BroadcastHub {
  private channel: Channel | undefined;
  private opening: Promise<Channel> | undefined;
  private readonly subs = new Set<Sub>();
  private closed = false;
  private readonly offOpen: () => void;

  constructor(private readonly host: BroadcastHost) {
    this.offOpen = host.connection.onOpen((model) => this.reattach(model));
  }

  private async getChannel(model: ChannelModel): Promise<Channel> {
    if (this.channel !== undefined) return this.channel;
    this.opening ??= (async () => {
      const channel = await model.createChannel();
      channel.on('error', (error: Error) => this.host.logger.warn(`AMQP broadcast channel closed by RabbitMQ: ${error.message}`, { error }));
      channel.on('close', () => {
        if (this.channel === channel) this.channel = undefined;
        // A channel error (not a lost connection) would leave subscriptions silent: attach them again.
        const current = this.host.connection.current;
        if (!this.closed && current !== undefined && current === model) setTimeout(() => this.reattach(current), 500).unref();
      });
      this.channel = channel;
      return channel;
    })().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Declares the exchange and the subscriber queue, binds and consumes; resolves once messages flow. */
  async subscribe(exchange: string, pattern: string, handler: (message: BroadcastMessage) => void, options: SubscribeOptions = {}): Promise<Subscription> {
    if (this.closed) throw new ClosedError('AMQP broker');
    const sub: Sub = { exchange, pattern, handler, active: true };
    if (options.queue !== undefined) sub.name = options.queue;
    const model = await this.host.connection.acquire(this.host.deadline());
    await this.attach(model, sub);
    this.subs.add(sub);
    return {
      unsubscribe: async () => {
        if (!sub.active) return;
        sub.active = false;
        this.subs.delete(sub);
        await this.detach(sub);
      },
    };
  }

  private async attach(model: ChannelModel, sub: Sub): Promise<void> {
    const channel = await this.getChannel(model);
    const spec = this.host.exchangeSpec(sub.exchange);
    const queue = sub.name === undefined ? subscriberQueueName(sub.exchange, sub.pattern) : await this.claim(model, sub.name, spec);
    try {
      await this.host.declareExchange(channel, sub.exchange);
      await channel.assertQueue(queue, { durable: false, autoDelete: true, exclusive: true, arguments: typeFieldTable(subscriberQueueArguments(spec)) });
      await channel.bindQueue(queue, sub.exchange, bindingKey(spec, sub.pattern));
      const ok = await channel.consume(queue, (message) => this.receive(sub, message), { noAck: true });
      sub.queue = queue;
      sub.consumerTag = ok.consumerTag;
      sub.channel = channel;
    } catch (error) {
      throw mapAmqpError(error, `subscribe to ${JSON.stringify(sub.exchange)}`);
    }
  }

  /**
   * Declares the exclusive queue `name` on a channel of its own, so that RabbitMQ refusing it
   * (RESOURCE_LOCKED: another connection holds it — a worker with the same name, or this worker's
   * connection that died) closes only that channel; then the name with a suffix is used instead.
   * Exclusivity belongs to the connection, so the shared channel may declare it again.
   */
  private async claim(model: ChannelModel, name: string, spec: ExchangeSpec): Promise<string> {
    const probe = await model.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.assertQueue(name, { durable: false, autoDelete: true, exclusive: true, arguments: typeFieldTable(subscriberQueueArguments(spec)) });
      return name;
    } catch (error) {
      const fallback = `${name}.${randomUUID().slice(0, 8)}`;
      this.host.logger.warn(`The queue ${name} is held by another connection (a worker with the same name?): using ${fallback}: ${error instanceof Error ? error.message : String(error)}`);
      return fallback;
    } finally {
      await probe.close().catch(() => undefined);
    }
  }

  private receive(sub: Sub, message: ConsumeMessage | null): void {
    if (message === null || !sub.active) return;
    let envelope;
    try {
      envelope = fromAmqpMessage(message);
    } catch (error) {
      // kombu logs and skips undecodable events / control messages; they are not persisted anyway.
      this.host.logger.warn(`Skipping malformed broadcast message on ${JSON.stringify(sub.exchange)}: ${error instanceof Error ? error.message : String(error)}`, { error });
      return;
    }
    try {
      sub.handler({ exchange: message.fields.exchange, routingKey: message.fields.routingKey, envelope });
    } catch (error) {
      this.host.logger.error('Broadcast handler threw', { exchange: sub.exchange, error });
    }
  }

  private async detach(sub: Sub): Promise<void> {
    const { channel, consumerTag, queue } = sub;
    if (channel === undefined || channel !== this.channel) return;
    try {
      if (consumerTag !== undefined) await channel.cancel(consumerTag);
      if (queue !== undefined) await channel.deleteQueue(queue);
    } catch (error) {
      this.host.logger.debug(`Unsubscribing from ${JSON.stringify(sub.exchange)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private reattach(model: ChannelModel): void {
    if (this.closed) return;
    for (const sub of this.subs) {
      if (sub.channel !== undefined && sub.channel === this.channel) continue;
      this.attach(model, sub).catch((error: unknown) => {
        this.host.logger.error(`Could not resubscribe to ${JSON.stringify(sub.exchange)}: ${error instanceof Error ? error.message : String(error)}`, { error });
      });
    }
  }

  /** Drops every subscription and closes the channel (the queues are exclusive: RabbitMQ deletes them). */
  async close(): Promise<void> {
    this.closed = true;
    this.offOpen();
    for (const sub of this.subs) sub.active = false;
    this.subs.clear();
    const channel = this.channel;
    this.channel = undefined;
    await this.opening?.catch(() => undefined);
    if (channel !== undefined) await channel.close().catch(() => undefined);
  }
}
