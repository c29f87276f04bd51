/**
 * What the broker declared, so it can be declared again on every new connection (a restarted
 * RabbitMQ forgets non-durable queues and exchanges), and the channel that runs declarations,
 * purges and sizes. A channel error (406 on an inequivalent redeclaration, 404 on a missing queue)
 * closes that channel; the next operation opens a new one.
 */
import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from '@celerity/core';
import type { AmqpConnection } from './connection.js';
import { featureRefusedError, isConnectionLoss, mapAmqpError } from './errors.js';
import { typeFieldTable } from './header-types.js';
import type { ExchangeSpec, ResolvedQueueDeclaration } from './topology.js';

const MAX_ATTEMPTS = 50;

/** Declares a task queue the way Celery does: its direct exchange (same name, durable), the queue, the binding. */
export async function declareTaskQueue(channel: Channel, queue: string, declaration: ResolvedQueueDeclaration): Promise<void> {
  await channel.assertExchange(queue, 'direct', { durable: true, autoDelete: false });
  await channel.assertQueue(queue, {
    durable: declaration.durable,
    autoDelete: declaration.autoDelete,
    exclusive: false,
    arguments: typeFieldTable(declaration.arguments),
  });
  await channel.bindQueue(queue, queue, queue);
}

/** Declares a broadcast exchange with its exact flags. */
export async function declareBroadcastExchange(channel: Channel, exchange: string, spec: ExchangeSpec): Promise<void> {
  await channel.assertExchange(exchange, spec.type, { durable: spec.durable, autoDelete: false });
}

/** The declarations made so far (replayed after reconnects) and the channel that runs them. */
export class Declarations {
  readonly queues = new Map<string, ResolvedQueueDeclaration>();
  readonly exchanges = new Map<string, ExchangeSpec>();
  private channel: Channel | undefined;
  private channelModel: ChannelModel | undefined;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs `op` on the admin channel, retrying across reconnects until `deadline`; maps errors.
   * Operations must be idempotent (declare, bind, size, purge of what is there).
   */
  async run<T>(what: string, deadline: number, op: (channel: Channel) => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const model = await this.connection.acquire(deadline, signal);
      try {
        return await op(await this.channelOf(model));
      } catch (error) {
        // RabbitMQ closed the connection over this operation (a denied deprecated feature): final.
        const refused = this.connection.refusedFeature(model);
        if (refused !== undefined) throw featureRefusedError(refused.feature, what, refused.error);
        // A lost connection (or a channel closed under us): wait for the next one and try again.
        if (!isConnectionLoss(error) || Date.now() >= deadline || attempt >= MAX_ATTEMPTS) throw mapAmqpError(error, what);
        await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 50, 500)));
      }
    }
  }

  private async channelOf(model: ChannelModel): Promise<Channel> {
    if (this.channel !== undefined && this.channelModel === model) return this.channel;
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => this.logger.debug(`AMQP admin channel closed by RabbitMQ: ${error.message}`));
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    this.channel = channel;
    this.channelModel = model;
    return channel;
  }

  /** Declares everything again on a new connection (its setup step). */
  async replay(model: ChannelModel): Promise<void> {
    if (this.queues.size === 0 && this.exchanges.size === 0) return;
    let channel = await model.createChannel();
    channel.on('error', () => undefined);
    const step = async (what: string, op: (ch: Channel) => Promise<void>): Promise<void> => {
      try {
        await op(channel);
      } catch (error) {
        if (isConnectionLoss(error) && (error as { code?: unknown }).code === undefined) throw error;
        // e.g. 406: someone redeclared it differently meanwhile. Keep going on a fresh channel.
        this.logger.error(`Could not declare ${what} again after reconnecting: ${error instanceof Error ? error.message : String(error)}`, { error });
        channel = await model.createChannel();
        channel.on('error', () => undefined);
      }
    };
    for (const [exchange, spec] of this.exchanges) await step(`exchange ${JSON.stringify(exchange)}`, (ch) => declareBroadcastExchange(ch, exchange, spec));
    for (const [queue, declaration] of this.queues) await step(`queue ${JSON.stringify(queue)}`, (ch) => declareTaskQueue(ch, queue, declaration));
    await channel.close().catch(() => undefined);
  }

  /** Forgets the admin channel (the broker is closing). */
  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    if (channel !== undefined) await channel.close().catch(() => undefined);
  }
}
