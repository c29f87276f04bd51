/**
 * Durable revokes on RabbitMQ: a stream queue, `celerity.revoked` (`x-queue-type: stream`,
 * `x-max-age` 7 days), one JSON record `{ids, expires_at}` per revoke. A stream is read without
 * consuming it, from its first record, by any number of readers: each worker reads it at start. A
 * reader knows it has seen everything written before it started by appending a marker record of its
 * own and reading until that marker comes back. Records whose `expires_at` passed are skipped;
 * RabbitMQ deletes old segments after `x-max-age`, which also bounds how long a revoke can last here.
 */
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import type { Logger, Revocation, RevocationStore } from '@celerity/core';
import { TimeoutError } from '@celerity/core';
import type { AmqpConnection } from './connection.js';
import type { Declarations } from './declarations.js';
import { mapAmqpError } from './errors.js';
import type { Publisher } from './publisher.js';

/** The stream every worker of a vhost reads its revokes from. */
export const REVOKED_STREAM = 'celerity.revoked';

/** How the stream is declared: RabbitMQ refuses a redeclaration with other arguments, so these are fixed. */
export const REVOKED_STREAM_DECLARATION: Options.AssertQueue = { durable: true, autoDelete: false, exclusive: false, arguments: { 'x-queue-type': 'stream', 'x-max-age': '7D' } };

/** What the store needs from the broker. */
export interface RevocationHost {
  readonly connection: AmqpConnection;
  readonly declarations: Declarations;
  readonly publisher: Publisher;
  readonly logger: Logger;
  deadline(): number;
}

interface RevokeRecord {
  ids?: unknown;
  expires_at?: unknown;
  marker?: unknown;
}

export function createAmqpRevocations(host: RevocationHost): RevocationStore {
  let declared: Promise<unknown> | undefined;
  const declare = (): Promise<unknown> => {
    declared ??= host.declarations.run(`declare ${JSON.stringify(REVOKED_STREAM)}`, host.deadline(), (channel) => channel.assertQueue(REVOKED_STREAM, REVOKED_STREAM_DECLARATION)).catch((error: unknown) => {
      declared = undefined;
      throw error;
    });
    return declared;
  };
  const append = async (record: RevokeRecord): Promise<void> => {
    await declare();
    await host.publisher.publish(
      { exchange: '', routingKey: REVOKED_STREAM, content: Buffer.from(JSON.stringify(record)), options: { contentType: 'application/json', deliveryMode: 2 } },
      host.deadline(),
    );
  };

  return {
    async add(ids, expiresAt) {
      if (ids.length > 0) await append({ ids: [...ids], expires_at: expiresAt });
    },
    async list(now) {
      const marker = crypto.randomUUID();
      await append({ marker });
      const model = await host.connection.acquire(host.deadline());
      let channel: Channel;
      try {
        channel = await model.createChannel();
      } catch (error) {
        throw mapAmqpError(error, 'opening a channel to read revokes');
      }
      channel.on('error', (error: Error) => host.logger.debug(`AMQP revokes channel closed by RabbitMQ: ${error.message}`));
      const found = new Map<string, number>();
      try {
        // Streams need a prefetch and acks (the acks only move the window; nothing is removed).
        await channel.prefetch(1000);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new TimeoutError(`reading ${REVOKED_STREAM} did not reach its end`)), Math.max(1000, host.deadline() - Date.now()));
          const onMessage = (message: ConsumeMessage | null): void => {
            if (message === null) return;
            channel.ack(message);
            let record: RevokeRecord;
            try {
              record = JSON.parse(message.content.toString('utf8')) as RevokeRecord;
            } catch {
              return;
            }
            if (record.marker === marker) {
              clearTimeout(timer);
              resolve();
              return;
            }
            const expires = typeof record.expires_at === 'number' ? record.expires_at : 0;
            if (!Array.isArray(record.ids) || expires <= now) return;
            for (const id of record.ids) if (typeof id === 'string') found.set(id, Math.max(expires, found.get(id) ?? 0));
          };
          channel.consume(REVOKED_STREAM, onMessage, { noAck: false, arguments: { 'x-stream-offset': 'first' } }).catch((error: unknown) => {
            clearTimeout(timer);
            reject(mapAmqpError(error, `reading ${REVOKED_STREAM}`));
          });
        });
      } finally {
        await channel.close().catch(() => undefined);
      }
      const out: Revocation[] = [];
      for (const [id, expiresAt] of found) out.push({ id, expiresAt });
      return out;
    },
  };
}
