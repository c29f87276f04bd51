/**
 * Broadcast over Redis pub/sub the way kombu does it (spec §3.5): PUBLISH to
 * `<prefix>/<db>.<exchange>[/<routing key>]`, PSUBSCRIBE to match. All subscriptions of a broker
 * share one subscriber connection; ioredis re-subscribes after a reconnect. Binding keys follow AMQP
 * topic rules exactly (kombu's glob would let `a.*` see `a.b.c`): the glob only narrows what Redis
 * sends, each message is then matched against the binding key.
 */
import type { RedisClient } from '@celerity/redis-common/internal';
import type { BroadcastMessage, Logger, Subscription } from '@celerity/core';
import { decodeKombuEnvelope } from './envelope.js';
import { topicMatches, type Keyspace } from './keys.js';

interface Sub {
  exchange: string;
  /** `<prefix>/<db>.<exchange>`. */
  base: string;
  bindingKey: string;
  handler: (message: BroadcastMessage) => void;
}

/** Routes pattern messages of one subscriber connection to the subscriptions they match. */
export class FanoutHub {
  private connection: RedisClient | undefined;
  private readonly byPattern = new Map<string, Set<Sub>>();

  constructor(
    private readonly keys: Keyspace,
    private readonly logger: Logger,
    private readonly createConnection: () => RedisClient,
  ) {}

  private ensureConnection(): RedisClient {
    if (this.connection === undefined) {
      const connection = this.createConnection();
      connection.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) => this.receive(String(pattern), String(channel), message));
      this.connection = connection;
    }
    return this.connection;
  }

  private receive(pattern: string, channel: string, message: Buffer): void {
    const subs = this.byPattern.get(pattern);
    if (subs === undefined || subs.size === 0) return;
    let decoded: ReturnType<typeof decodeKombuEnvelope> | undefined;
    for (const sub of subs) {
      if (channel !== sub.base && !channel.startsWith(`${sub.base}/`)) continue;
      const routingKey = channel.slice(sub.base.length + 1);
      if (!topicMatches(sub.bindingKey, routingKey)) continue;
      if (decoded === undefined) {
        try {
          decoded = decodeKombuEnvelope(message);
        } catch (error) {
          // kombu logs "Cannot process event" and skips; pub/sub messages are not persisted anyway.
          this.logger.warn(`Skipping malformed broadcast message on ${JSON.stringify(channel)}: ${error instanceof Error ? error.message : String(error)}`, { channel, error });
          return;
        }
      }
      const broadcast: BroadcastMessage = {
        exchange: decoded.exchange ?? sub.exchange,
        routingKey: decoded.routingKey ?? routingKey,
        envelope: decoded.envelope,
      };
      try {
        sub.handler(broadcast);
      } catch (error) {
        this.logger.error('Broadcast handler threw', { channel, error });
      }
    }
  }

  /** PSUBSCRIBEs the patterns not subscribed yet and adds the subscription. */
  async subscribe(exchange: string, bindingKey: string, handler: (message: BroadcastMessage) => void): Promise<Subscription> {
    const connection = this.ensureConnection();
    const sub: Sub = { exchange, base: this.keys.channelBase(exchange), bindingKey, handler };
    const patterns = this.keys.channelPatterns(exchange, bindingKey);
    const fresh: string[] = [];
    for (const pattern of patterns) {
      let subs = this.byPattern.get(pattern);
      if (subs === undefined) {
        subs = new Set();
        this.byPattern.set(pattern, subs);
        fresh.push(pattern);
      }
      subs.add(sub);
    }
    if (fresh.length > 0) {
      try {
        await connection.psubscribe(...fresh);
      } catch (error) {
        void this.remove(sub, patterns);
        throw error;
      }
    }
    let active = true;
    return {
      unsubscribe: async () => {
        if (!active) return;
        active = false;
        await this.remove(sub, patterns);
      },
    };
  }

  private async remove(sub: Sub, patterns: string[]): Promise<void> {
    const unused: string[] = [];
    for (const pattern of patterns) {
      const subs = this.byPattern.get(pattern);
      subs?.delete(sub);
      if (subs !== undefined && subs.size === 0) {
        this.byPattern.delete(pattern);
        unused.push(pattern);
      }
    }
    const connection = this.connection;
    if (unused.length === 0 || connection === undefined) return;
    // While reconnecting, don't wait: the unsubscribe is queued and ioredis won't resubscribe it.
    const done = connection.punsubscribe(...unused).catch(() => undefined);
    if (connection.status === 'ready') await done;
  }

  /** Drops every subscription and closes the subscriber connection. */
  close(): void {
    this.byPattern.clear();
    this.connection?.disconnect();
    this.connection = undefined;
  }
}
