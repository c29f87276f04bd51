/**
 * Broadcast over Redis pub/sub the way kombu does it (spec §3.5): PUBLISH to
 * `<prefix>/<db>.<exchange>[/<routing key>]`, PSUBSCRIBE with the binding key's `#` turned into `*`.
 * All subscriptions of a broker share one subscriber connection; ioredis re-subscribes after a reconnect.
 */
import type { Redis } from 'ioredis';
import type { BroadcastMessage, Logger, Subscription } from '@celerity/core';
import { decodeKombuEnvelope } from './envelope.js';
import type { Keyspace } from './keys.js';

type Handler = (message: BroadcastMessage) => void;

/** Routes pattern messages of one subscriber connection to the handlers subscribed to each pattern. */
export class FanoutHub {
  private connection: Redis | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(
    private readonly keys: Keyspace,
    private readonly logger: Logger,
    private readonly createConnection: () => Redis,
  ) {}

  private ensureConnection(): Redis {
    if (this.connection === undefined) {
      const connection = this.createConnection();
      connection.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) => this.receive(String(pattern), String(channel), message));
      this.connection = connection;
    }
    return this.connection;
  }

  private receive(pattern: string, channel: string, message: Buffer): void {
    const handlers = this.handlers.get(pattern);
    if (handlers === undefined || handlers.size === 0) return;
    let decoded;
    try {
      decoded = decodeKombuEnvelope(message);
    } catch (error) {
      // kombu logs "Cannot process event" and skips; pub/sub messages are not persisted anyway.
      this.logger.warn(`Skipping malformed broadcast message on ${JSON.stringify(channel)}: ${error instanceof Error ? error.message : String(error)}`, { channel, error });
      return;
    }
    const fromChannel = this.parseChannel(channel);
    const broadcast: BroadcastMessage = {
      exchange: decoded.exchange ?? fromChannel.exchange,
      routingKey: decoded.routingKey ?? fromChannel.routingKey,
      envelope: decoded.envelope,
    };
    for (const handler of handlers) {
      try {
        handler(broadcast);
      } catch (error) {
        this.logger.error('Broadcast handler threw', { channel, error });
      }
    }
  }

  private parseChannel(channel: string): { exchange: string; routingKey: string } {
    const head = `${this.keys.prefix}/${this.keys.db}.`;
    const rest = channel.startsWith(head) ? channel.slice(head.length) : channel;
    const slash = rest.indexOf('/');
    return slash < 0 ? { exchange: rest, routingKey: '' } : { exchange: rest.slice(0, slash), routingKey: rest.slice(slash + 1) };
  }

  /** PSUBSCRIBEs (once per distinct pattern) and adds the handler. */
  async subscribe(exchange: string, bindingKey: string, handler: Handler): Promise<Subscription> {
    const pattern = this.keys.channelPattern(exchange, bindingKey);
    const connection = this.ensureConnection();
    let set = this.handlers.get(pattern);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(pattern, set);
    }
    // A handler wrapper per subscription, so the same function subscribed twice unsubscribes independently.
    const entry: Handler = (message) => handler(message);
    const first = set.size === 0;
    set.add(entry);
    if (first) {
      try {
        await connection.psubscribe(pattern);
      } catch (error) {
        set.delete(entry);
        throw error;
      }
    }
    let active = true;
    return {
      unsubscribe: async () => {
        if (!active) return;
        active = false;
        const current = this.handlers.get(pattern);
        current?.delete(entry);
        if (current !== undefined && current.size === 0) {
          this.handlers.delete(pattern);
          const connection = this.connection;
          // While reconnecting, don't wait: the unsubscribe is queued and ioredis won't resubscribe it.
          const done = connection?.punsubscribe(pattern).catch(() => undefined);
          if (connection?.status === 'ready') await done;
        }
      },
    };
  }

  /** Drops every subscription and closes the subscriber connection. */
  close(): void {
    this.handlers.clear();
    this.connection?.disconnect();
    this.connection = undefined;
  }
}
