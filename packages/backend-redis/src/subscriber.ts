/**
 * One pub/sub connection shared by every wait and watch of a backend. Channels are reference
 * counted: the first listener SUBSCRIBEs, the last one to leave UNSUBSCRIBEs. Changes made in the
 * same tick go out as one SUBSCRIBE / UNSUBSCRIBE with many channels. Channels under the hub's
 * `coverPrefix` (the ids this backend minted) need no command at all: one PSUBSCRIBE, sent on first
 * use, covers them. After a reconnect every channel and the pattern are subscribed again and, once
 * the server confirmed it, listeners are told to re-read what they may have missed.
 */
import type { Logger } from '@celerity/core';
import type { RedisClient } from '@celerity/redis-common/internal';
import { closeConnection } from '@celerity/redis-common/internal';
import { logBackendConnection, toCelerityError } from './errors.js';

/** Receives what is published on one channel. */
export interface ChannelListener {
  /** A message published on the channel (raw bytes). */
  message(payload: Buffer, channel: string): void;
  /** The subscription was re-established after a reconnect; messages may have been lost meanwhile. */
  resync(channel: string): void;
  /** The SUBSCRIBE failed; the listener no longer holds the channel. */
  failed?(error: Error, channel: string): void;
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
  /**
   * `listen` without a subscription object, for callers holding many channels with one listener
   * (the watch list): `unhold` with the same pair lets go. Failures go to `listener.failed`.
   */
  hold(channel: string, listener: ChannelListener): void;
  unhold(channel: string, listener: ChannelListener): void;
  /**
   * Non-zero while the channel is covered by a confirmed PSUBSCRIBE; it stays the same as long as
   * that subscription has not been interrupted. The same non-zero value at two instants means no
   * message on the channel was missed in between.
   */
  epochFor(channel: string): number;
  /** Channels currently held (for tests and diagnostics). */
  readonly channelCount: number;
  close(): Promise<void>;
}

/** Options of {@link createSubscriberHub}. */
export interface SubscriberHubOptions {
  /** Opens the pub/sub connection (called once, on the first `listen`). */
  connect: () => RedisClient;
  logger: Logger;
  /**
   * Channels starting with this are covered by one `PSUBSCRIBE <prefix>*` instead of a SUBSCRIBE
   * each. Only for channels whose names the caller mints (ids with a per-backend prefix).
   */
  coverPrefix?: string;
  /**
   * How long an UNSUBSCRIBE may wait for the next SUBSCRIBE to ride along with (ms). One task at a
   * time then costs one write per task instead of two; a message on a released channel is ignored.
   * @default 20
   */
  unsubscribeDelay?: number;
}

/** Writes what `send` issues on a connection in one syscall (a pub/sub connection does not pipeline). */
function corked(conn: RedisClient, send: () => void): void {
  const stream = (conn as unknown as { stream?: { cork?: () => void; uncork?: () => void } }).stream;
  stream?.cork?.();
  try {
    send();
  } finally {
    stream?.uncork?.();
  }
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
  /** An array, not a Set: almost every channel has one or two listeners, and there can be 100k channels. */
  readonly listeners: ChannelListener[];
  /** A SUBSCRIBE was written for this channel (confirmed or not). */
  sent: boolean;
  confirmed: boolean;
  failure: Error | undefined;
  /** Created only when someone asks for `ready` before the confirmation. */
  ack: Deferred | undefined;
}

/** A Redis glob matching exactly the names starting with `prefix`. */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
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
  let connection: RedisClient | undefined;
  let readyOnce = false;
  let closed = false;
  const { coverPrefix } = options;
  const covered = (name: string): boolean => coverPrefix !== undefined && name.startsWith(coverPrefix);
  // The covering PSUBSCRIBE: not sent, sent, or confirmed (with the epoch of that confirmation).
  let cover: 'none' | 'sent' | 'confirmed' = 'none';
  let coverEpoch = 0;
  let epochs = 0;
  let coverAck: Deferred | undefined;

  const onMessage = (channelName: Buffer, payload: Buffer): void => {
    const name = channelName.toString();
    const channel = channels.get(name);
    if (!channel) return;
    const { listeners } = channel;
    if (listeners.length === 1) listeners[0]!.message(payload, name);
    // Copy: a listener that settles releases itself while we iterate.
    else for (const listener of listeners.slice()) listener.message(payload, name);
  };

  const resubscribe = async (conn: RedisClient): Promise<void> => {
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
    for (const [name, channel] of held) for (const listener of channel.listeners.slice()) listener.resync(name);
  };

  const sendCover = (conn: RedisClient, resync: boolean): void => {
    if (coverPrefix === undefined) return;
    cover = 'sent';
    conn.psubscribe(prefixPattern(coverPrefix)).then(
      () => {
        cover = 'confirmed';
        coverEpoch = ++epochs;
        const ack = coverAck;
        coverAck = undefined;
        ack?.resolve();
        if (!resync) return;
        for (const [name, channel] of channels) if (covered(name)) for (const listener of channel.listeners.slice()) listener.resync(name);
      },
      (err: unknown) => {
        if (closed) return;
        cover = 'none';
        const error = toCelerityError(err, 'psubscribe');
        const ack = coverAck;
        coverAck = undefined;
        ack?.reject(error);
        for (const [name, channel] of [...channels]) {
          if (!covered(name)) continue;
          channels.delete(name);
          for (const listener of channel.listeners.splice(0)) listener.failed?.(error, name);
        }
      },
    );
  };

  const coverReady = (): Promise<void> => {
    if (cover === 'confirmed') return Promise.resolve();
    if (cover === 'none') sendCover(getConnection(), false);
    coverAck ??= deferred();
    return coverAck.promise;
  };

  const getConnection = (): RedisClient => {
    if (connection) return connection;
    const conn = options.connect();
    conn.on('messageBuffer', onMessage);
    conn.on('pmessageBuffer', (_pattern: Buffer, channelName: Buffer, payload: Buffer) => onMessage(channelName, payload));
    // Messages published while the connection is down are lost: covered channels are no longer "sure".
    conn.on('close', () => {
      coverEpoch = 0;
      if (cover === 'confirmed') cover = 'sent';
    });
    conn.on('ready', () => {
      if (!readyOnce) {
        readyOnce = true;
        return;
      }
      if (closed) return;
      void resubscribe(conn);
      if (cover !== 'none') sendCover(conn, true);
    });
    logBackendConnection(conn, logger, 'pub/sub connection');
    connection = conn;
    return conn;
  };

  const flush = (): void => {
    flushQueued = false;
    if (closed || dirty.size === 0) return;
    const subscribe: [string, Channel][] = [];
    const unsubscribe: string[] = [];
    for (const name of dirty) {
      const channel = channels.get(name);
      if (!channel) continue;
      if (channel.listeners.length > 0) {
        if (!channel.sent && !covered(name)) {
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
    corked(conn, () => send(conn, subscribe, unsubscribe));
  };

  const send = (conn: RedisClient, subscribe: [string, Channel][], unsubscribe: string[]): void => {
    for (const chunk of chunks(unsubscribe)) {
      conn.unsubscribe(...chunk).catch((err: unknown) => {
        logger.debug('Redis result backend: unsubscribe failed', { error: toCelerityError(err, 'unsubscribe') });
      });
    }
    for (const chunk of chunks(subscribe)) {
      conn.subscribe(...chunk.map(([name]) => name)).then(
        () => {
          for (const [, channel] of chunk) {
            channel.confirmed = true;
            channel.ack?.resolve();
          }
        },
        (err: unknown) => {
          const error = toCelerityError(err, 'subscribe');
          for (const [name, channel] of chunk) {
            channel.failure = error;
            channel.ack?.reject(error);
            if (channels.get(name) === channel) channels.delete(name);
            for (const listener of channel.listeners.splice(0)) listener.failed?.(error, name);
          }
        },
      );
    }
  };

  // A SUBSCRIBE goes out at the end of the tick; an UNSUBSCRIBE waits for the next SUBSCRIBE (same
  // write) or `unsubscribeDelay`, so a wait that just got its result resolves before any write and the
  // unsubscribes of a burst share one command.
  const unsubscribeDelay = options.unsubscribeDelay ?? 20;
  let lazyTimer: ReturnType<typeof setTimeout> | undefined;
  const markDirty = (name: string, subscribing: boolean): void => {
    dirty.add(name);
    if (subscribing && !flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    } else if (!subscribing && lazyTimer === undefined) {
      lazyTimer = setTimeout(() => {
        lazyTimer = undefined;
        flush();
      }, unsubscribeDelay);
      lazyTimer.unref?.();
    }
  };

  const hold = (name: string, listener: ChannelListener): Channel => {
    let channel = channels.get(name);
    if (!channel) {
      channel = { listeners: [], sent: false, confirmed: false, failure: undefined, ack: undefined };
      channels.set(name, channel);
    }
    channel.listeners.push(listener);
    if (covered(name)) {
      // Listening costs nothing; the pattern goes out once (its failure reaches `failed` / `ready`).
      if (cover === 'none') sendCover(getConnection(), false);
    } else if (!channel.sent) markDirty(name, true);
    return channel;
  };
  const unhold = (name: string, listener: ChannelListener, held = channels.get(name)): void => {
    if (!held) return;
    const at = held.listeners.indexOf(listener);
    if (at < 0) return;
    held.listeners.splice(at, 1);
    if (held.listeners.length > 0) return;
    // Never subscribed on its own (covered by the pattern, or its SUBSCRIBE not written yet): nothing
    // to undo on the server, so it goes at once instead of with the next flush.
    if (!held.sent) {
      if (channels.get(name) === held) channels.delete(name);
      return;
    }
    markDirty(name, false);
  };

  return {
    listen(name, listener) {
      const held = hold(name, listener);
      let released = false;
      return {
        get ready() {
          if (covered(name)) return coverReady();
          if (held.confirmed) return Promise.resolve();
          if (held.failure) return Promise.reject(held.failure);
          held.ack ??= deferred();
          return held.ack.promise;
        },
        release() {
          if (released) return;
          released = true;
          unhold(name, listener, held);
        },
      };
    },
    hold(name, listener) {
      hold(name, listener);
    },
    unhold(name, listener) {
      unhold(name, listener);
    },
    epochFor(channel) {
      return covered(channel) ? coverEpoch : 0;
    },
    get channelCount() {
      return channels.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (lazyTimer !== undefined) clearTimeout(lazyTimer);
      channels.clear();
      dirty.clear();
      coverEpoch = 0;
      const conn = connection;
      if (!conn) return;
      conn.removeAllListeners('messageBuffer');
      conn.removeAllListeners('pmessageBuffer');
      await closeConnection(conn);
    },
  };
}
