/**
 * The AMQP broker's dead-letter queues: one durable classic queue per source queue,
 * `celerity.dead.<queue>`, fed through the confirming publisher. Listing reads with basic.get on a
 * channel of its own and gives everything back unacked (nack with requeue, then the channel
 * closes): RabbitMQ puts requeued messages back where they were, so the contents stay intact. A
 * replay publishes a fresh copy to the source queue, waits for its confirm, and only then acks the
 * entry; a failure anywhere leaves the entry in place.
 */
import type { Channel, GetMessage, Message, Options } from 'amqplib';
import type { DeadLetter, DeadLetterQueue, Envelope, Logger } from '@celerity/core';
import { deadLetterHeaders, markDeadLetter, readDeadLetter, replayEnvelope } from '@celerity/core/internal';
import type { AmqpConnection } from './connection.js';
import type { Declarations } from './declarations.js';
import { bodyBuffer, fromAmqpMessage, toPublishOptions } from './envelope.js';
import { mapAmqpError } from './errors.js';
import { typeFieldTable } from './header-types.js';
import type { Publisher } from './publisher.js';

/** The dead-letter queue of `queue`. */
export function deadLetterQueueName(queue: string): string {
  return `celerity.dead.${queue}`;
}

/** What the dead-letter queues need from the broker. */
export interface DeadLetterHost {
  readonly connection: AmqpConnection;
  readonly declarations: Declarations;
  readonly publisher: Publisher;
  readonly logger: Logger;
  /** Deadline (epoch ms) for operations started now. */
  deadline(): number;
}

/** The AMQP dead-letter queues, plus the consumer's way to set a malformed message aside. */
export interface AmqpDeadLetters extends DeadLetterQueue {
  /** Copies a message that is not an envelope into the dead-letter queue of `queue`, as it came. */
  addRaw(queue: string, message: Pick<Message, 'content' | 'properties'>, error: Error): Promise<void>;
}

const DECLARE: Options.AssertQueue = { durable: true, autoDelete: false, exclusive: false };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function read(queue: string, message: GetMessage): DeadLetter {
  let envelope: Envelope | null;
  try {
    envelope = fromAmqpMessage(message);
  } catch {
    envelope = null;
  }
  const headers = isRecord(message.properties.headers) ? message.properties.headers : {};
  // The time it was set aside goes into the id too: two identical garbage messages stay two entries.
  const bytes = Buffer.concat([message.content, Buffer.from(String(headers['celerity_dead_at'] ?? ''))]);
  return readDeadLetter(queue, { envelope, headers, raw: message.content, bytes });
}

/** Publish options that keep what a raw message carried, minus what would expire or be refused. */
function rawPublishOptions(queue: string, message: Pick<Message, 'properties'>, error: Error): Options.Publish {
  const p = message.properties;
  const headers = { ...(isRecord(p.headers) ? p.headers : {}), ...deadLetterHeaders(queue, { reason: 'malformed', error: error.message }) };
  const options: Options.Publish = { headers: typeFieldTable(headers), deliveryMode: 2 };
  if (typeof p.contentType === 'string') options.contentType = p.contentType;
  if (typeof p.contentEncoding === 'string') options.contentEncoding = p.contentEncoding;
  if (typeof p.correlationId === 'string') options.correlationId = p.correlationId;
  if (typeof p.replyTo === 'string') options.replyTo = p.replyTo;
  if (typeof p.messageId === 'string') options.messageId = p.messageId;
  if (typeof p.priority === 'number') options.priority = p.priority;
  return options;
}

/** Creates the dead-letter queues of an AMQP broker. */
export function createAmqpDeadLetters(host: DeadLetterHost): AmqpDeadLetters {
  const declare = (queue: string): Promise<unknown> =>
    host.declarations.run(`declare ${JSON.stringify(deadLetterQueueName(queue))}`, host.deadline(), (channel) => channel.assertQueue(deadLetterQueueName(queue), DECLARE));

  const send = async (routingKey: string, content: Buffer, options: Options.Publish): Promise<void> => {
    await host.publisher.publish({ exchange: '', routingKey, content, options }, host.deadline());
  };

  /**
   * Runs `op` with every entry taken (unacked) on a channel of its own, oldest first; whatever
   * `op` did not ack goes back, in its place, when the channel is done.
   */
  const withEntries = async <T>(queue: string, limit: number | undefined, op: (channel: Channel, entries: Array<{ message: GetMessage; entry: DeadLetter }>) => Promise<T>): Promise<T> => {
    const model = await host.connection.acquire(host.deadline());
    let channel: Channel;
    try {
      channel = await model.createChannel();
    } catch (error) {
      throw mapAmqpError(error, 'opening a dead-letter channel');
    }
    channel.on('error', (error: Error) => host.logger.debug(`AMQP dead-letter channel closed by RabbitMQ: ${error.message}`));
    try {
      const name = deadLetterQueueName(queue);
      await channel.assertQueue(name, DECLARE);
      const entries: Array<{ message: GetMessage; entry: DeadLetter }> = [];
      while (limit === undefined || entries.length < limit) {
        const message = await channel.get(name, { noAck: false });
        if (message === false) break;
        entries.push({ message, entry: read(queue, message) });
      }
      const result = await op(channel, entries);
      channel.nackAll(true);
      return result;
    } catch (error) {
      throw mapAmqpError(error, `read the dead-letter queue of ${JSON.stringify(queue)}`);
    } finally {
      await channel.close().catch(() => undefined);
    }
  };

  return {
    async add(queue, envelope, info) {
      await declare(queue);
      const marked = markDeadLetter(envelope, queue, info);
      // A dead letter must not expire while it waits for someone to look at it.
      const { expiration: _expiration, ...properties } = marked.properties;
      await send(deadLetterQueueName(queue), bodyBuffer(marked.body), toPublishOptions({ ...marked, properties }));
    },
    async addRaw(queue, message, error) {
      await declare(queue);
      await send(deadLetterQueueName(queue), message.content, rawPublishOptions(queue, message, error));
    },
    count(queue) {
      return host.declarations.run(`size of ${JSON.stringify(deadLetterQueueName(queue))}`, host.deadline(), async (channel) => {
        try {
          return (await channel.checkQueue(deadLetterQueueName(queue))).messageCount;
        } catch (error) {
          if ((error as { code?: unknown }).code === 404) return 0;
          throw error;
        }
      });
    },
    list(queue, options = {}) {
      if (options.limit !== undefined && options.limit <= 0) return Promise.resolve([]);
      return withEntries(queue, options.limit, async (_channel, entries) => entries.map((e) => e.entry));
    },
    get(queue, id) {
      return withEntries(queue, undefined, async (_channel, entries) => entries.find((e) => e.entry.id === id)?.entry);
    },
    replay(queue, selection, options = {}) {
      return withEntries(queue, undefined, async (channel, entries) => {
        let replayed = 0;
        for (const { message, entry } of entries) {
          if (entry.envelope === null || ('id' in selection && entry.id !== selection.id)) continue;
          const fresh = replayEnvelope(entry.envelope);
          await send(queue, bodyBuffer(fresh.body), toPublishOptions(fresh));
          channel.ack(message);
          replayed++;
          options.onReplayed?.(replayed);
          if ('id' in selection) break;
        }
        return replayed;
      });
    },
    async purge(queue) {
      await declare(queue);
      return host.declarations.run(`purge ${JSON.stringify(deadLetterQueueName(queue))}`, host.deadline(), async (channel) => (await channel.purgeQueue(deadLetterQueueName(queue))).messageCount);
    },
  };
}
