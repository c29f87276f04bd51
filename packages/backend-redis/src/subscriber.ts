/**
 * One pub/sub connection shared by every wait and watch of a backend. Channels are reference
 * counted: the first listener SUBSCRIBEs, the last one to leave UNSUBSCRIBEs. Changes made in the
 * same tick go out as one SUBSCRIBE / UNSUBSCRIBE with many channels. After a reconnect every
 * channel is subscribed again and, once the server confirmed it, listeners are told to re-read
 * what they may have missed.
 */
import type { Logger } from '@celerity/core';
import type { Redis } from 'ioredis';
import { logConnectionErrors, toCelerityError } from './errors.js';

/** Receives what is published on one channel. */
export interface ChannelListener {
  /** A message published on the channel (raw bytes). */
  message(payload: Buffer): void;
  /** The subscription was re-established after a reconnect; messages may have been lost meanwhile. */
  resync(): void;
}

/** A listener's hold on a channel. */
export interface ChannelSubscription {
  /** Resolves once the server confirmed the SUBSCRIBE (immediately if it already had). */
  readonly ready: Promise<void>;
  /** Stops listening; the channel is unsubscribed when nobody listens any more. Idempotent. */
  release(): void;
}

/** See the module comment. */
export interface SubscriberHub {
  listen(channel: string, listener: ChannelListener): ChannelSubscription;
  /** Channels currently held (for tests and diagnostics). */
  readonly channelCount: number;
  close(): Promise<void>;
}

/** Options of {@link createSubscriberHub}. */
export interface SubscriberHubOptions {
  /** Opens the pub/sub connection (called once, on the first `listen`). */
  connect: () => Redis;
  logger: Logger;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // a channel nobody awaits any more must not raise an unhandled rejection
  return { promise, resolve, reject };
}

interface Channel {
  readonly listeners: Set<ChannelListener>;
  /** A SUBSCRIBE was written for this channel (confirmed or not). */
  sent: boolean;
  readonly ack: Deferred;
}

/** Redis accepts many channels per command; chunks keep single commands reasonably small. */
const CHUNK = 1000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * @example
 * const hub = createSubscriberHub({ connect: () => client.duplicate(), logger });
 * const sub = hub.listen('celery-task-meta-42', { message: (p) => …, resync: () => … });
 * await sub.ready; … sub.release();
 */
export function createSubscriberHub(options: SubscriberHubOptions): SubscriberHub {
  const { logger } = options;
  const channels = new Map<string, Channel>();
  const dirty = new Set<string>();
  let flushQueued = false;
  let connection: Redis | undefined;
  let readyOnce = false;
  let closed = false;

  const onMessage = (channelName: Buffer, payload: Buffer): void => {
    const channel = channels.get(channelName.toString());
    if (!channel) return;
    // Copy: a listener that settles releases itself while we iterate.
    for (const listener of [...channel.listeners]) listener.message(payload);
  };

  const resubscribe = async (conn: Redis): Promise<void> => {
    const held = [...channels.entries()].filter(([, channel]) => channel.sent);
    const names = held.map(([name]) => name);
    if (names.length === 0) return;
    logger.debug('Redis result backend: re-subscribing after reconnect', { channels: names.length });
    try {
      await Promise.all(chunks(names).map((chunk) => conn.subscribe(...chunk)));
    } catch (err) {
      // The next reconnect tries again.
      logger.warn('Redis result backend: re-subscribe failed', { error: toCelerityError(err, 'subscribe') });
      return;
    }
    for (const [, channel] of held) for (const listener of [...channel.listeners]) listener.resync();
  };

  const getConnection = (): Redis => {
    if (connection) return connection;
    const conn = options.connect();
    conn.on('messageBuffer', onMessage);
    conn.on('ready', () => {
      if (!readyOnce) {
        readyOnce = true;
        return;
      }
      if (!closed) void resubscribe(conn);
    });
    logConnectionErrors(conn, logger, 'pub/sub connection');
    connection = conn;
    return conn;
  };

  const flush = (): void => {
    flushQueued = false;
    if (closed) return;
    const subscribe: [string, Channel][] = [];
    const unsubscribe: string[] = [];
    for (const name of dirty) {
      const channel = channels.get(name);
      if (!channel) continue;
      if (channel.listeners.size > 0) {
        if (!channel.sent) {
          channel.sent = true;
          subscribe.push([name, channel]);
        }
      } else {
        channels.delete(name);
        if (channel.sent) unsubscribe.push(name);
      }
    }
    dirty.clear();
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    const conn = getConnection();
    for (const chunk of chunks(unsubscribe)) {
      conn.unsubscribe(...chunk).catch((err: unknown) => {
        logger.debug('Redis result backend: unsubscribe failed', { error: toCelerityError(err, 'unsubscribe') });
      });
    }
    for (const chunk of chunks(subscribe)) {
      conn.subscribe(...chunk.map(([name]) => name)).then(
        () => {
          for (const [, channel] of chunk) channel.ack.resolve();
        },
        (err: unknown) => {
          const error = toCelerityError(err, 'subscribe');
          for (const [name, channel] of chunk) {
            channel.ack.reject(error);
            if (channels.get(name) === channel) channels.delete(name);
          }
        },
      );
    }
  };

  const markDirty = (name: string): void => {
    dirty.add(name);
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  };

  return {
    listen(name, listener) {
      let channel = channels.get(name);
      if (!channel) {
        channel = { listeners: new Set(), sent: false, ack: deferred() };
        channels.set(name, channel);
      }
      channel.listeners.add(listener);
      if (!channel.sent) markDirty(name);
      const held = channel;
      let released = false;
      return {
        ready: held.ack.promise,
        release() {
          if (released) return;
          released = true;
          held.listeners.delete(listener);
          if (held.listeners.size === 0) markDirty(name);
        },
      };
    },
    get channelCount() {
      return channels.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      channels.clear();
      dirty.clear();
      const conn = connection;
      if (!conn) return;
      conn.removeAllListeners('messageBuffer');
      if (conn.status === 'ready') await conn.quit().catch(() => conn.disconnect());
      else conn.disconnect();
    },
  };
}
