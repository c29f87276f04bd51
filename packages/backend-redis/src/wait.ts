/**
 * Push-based waiting, as Celery's client does it: subscribe to the task's channel, then GET once
 * (covers a result stored before the subscription), then take published states until a ready one.
 * Watches subscribe ahead of time (at send time), keep the ready state that arrives before anyone
 * waits, and drop themselves when the task is done or after a bounded time, so an id nobody waits
 * for cannot leak a subscription. A wait on a watched id skips the GET when the watch was covered
 * by a confirmed subscription from before the send (nothing can have been missed), and takes a
 * kept result without any command.
 */
import { READY_STATES, TimeoutError } from '@celerity/core';
import type { Logger, ResultMeta, WaitOptions } from '@celerity/core';
import type { ChannelListener, ChannelSubscription, SubscriberHub } from './subscriber.js';
import { unrefTimer } from './timers.js';
import type { BackendTimers } from './timers.js';

/** What a wait needs from the backend. */
export interface WaitContext {
  readonly hub: SubscriberHub;
  /** The channel (= key) of a task. */
  channel(taskId: string): string;
  /** GET + decode; null when nothing is stored. */
  fetch(taskId: string): Promise<ResultMeta | null>;
  /** Decodes a published payload (a fresh object per call: each waiter owns its result). */
  decode(taskId: string, payload: Buffer): ResultMeta;
  readonly timers: BackendTimers;
  readonly logger: Logger;
  /** Rejecters of pending waits, called by `close()`. */
  readonly pending: Set<(error: Error) => void>;
  /** The id's watch is no longer needed: a wait listens on the channel itself, or saw the ready state. */
  dropWatch(taskId: string): void;
  /** What a watch of the id knows (see {@link WatchList.claim}). */
  claim?(taskId: string): WatchClaim | undefined;
}

/** What a watch hands to a wait of its id. */
export interface WatchClaim {
  /** The ready state that arrived before the wait (the watch is gone then). */
  arrived?: Buffer;
  /** Nothing published on the channel since the send can have been missed: no GET needed. */
  sure: boolean;
}

/** Waits for a ready state; see {@link ResultBackend.wait}. */
export function waitForResult(ctx: WaitContext, taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
  const { signal, timeout, onState } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<ResultMeta>((resolve, reject) => {
    let done = false;
    let timer: unknown;
    let subscription: ChannelSubscription | undefined;

    const finish = (error: unknown, meta?: ResultMeta): void => {
      if (done) return;
      done = true;
      subscription?.release();
      if (timer !== undefined) ctx.timers.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ctx.pending.delete(onClose);
      if (meta) {
        ctx.dropWatch(taskId);
        resolve(meta);
      } else {
        reject(error);
      }
    };
    const seen = (meta: ResultMeta): void => {
      if (done) return;
      if (READY_STATES.has(meta.status)) {
        finish(undefined, meta);
        return;
      }
      try {
        onState?.(meta);
      } catch (err) {
        ctx.logger.warn('Redis result backend: onState callback threw', { taskId, error: err });
      }
    };
    // The first read decides the wait (its failure rejects it); re-reads after a reconnect only help.
    const check = (first: boolean): void => {
      ctx.fetch(taskId).then(
        (meta) => {
          if (meta) seen(meta);
        },
        (err: unknown) => {
          if (first) finish(err);
          else ctx.logger.warn('Redis result backend: re-reading a result after reconnect failed', { taskId, error: err });
        },
      );
    };
    function onAbort(): void {
      finish(signal?.reason);
    }
    function onClose(error: Error): void {
      finish(error);
    }

    signal?.addEventListener('abort', onAbort, { once: true });
    ctx.pending.add(onClose);
    if (timeout !== undefined) {
      timer = ctx.timers.setTimeout(() => {
        finish(new TimeoutError(`No result for task ${taskId} after ${timeout} s`));
      }, timeout * 1000);
    }
    const claim = ctx.claim?.(taskId);
    if (claim?.arrived !== undefined) {
      let meta: ResultMeta;
      try {
        meta = ctx.decode(taskId, claim.arrived);
      } catch (err) {
        finish(err);
        return;
      }
      seen(meta);
      if (done) return;
    }
    subscription = ctx.hub.listen(ctx.channel(taskId), {
      message(payload) {
        if (done) return;
        let meta: ResultMeta;
        try {
          meta = ctx.decode(taskId, payload);
        } catch (err) {
          finish(err);
          return;
        }
        seen(meta);
      },
      resync() {
        if (!done) check(false);
      },
    });
    // The wait listens now: the watch's own listener would only duplicate its work.
    if (claim !== undefined) ctx.dropWatch(taskId);
    subscription.ready.then(
      () => {
        if (!done && claim?.sure !== true) check(true);
      },
      (err: unknown) => finish(err),
    );
  });
}

/** Ids subscribed ahead of their wait. */
export interface WatchList {
  watch(taskId: string): void;
  /** Stops watching an id (its result is known). */
  drop(taskId: string): void;
  /**
   * For a wait starting on the id: the ready state kept for it (and the watch ends), or whether the
   * watch has been covered without interruption since it started (`sure`). `undefined` if not watched.
   */
  claim(taskId: string): WatchClaim | undefined;
  readonly size: number;
  clear(): void;
}

/** Options of {@link createWatchList}. */
export interface WatchListOptions {
  /** Drop a watch after this many ms. */
  timeout: number;
  /** At most this many watches; the oldest is dropped first. */
  max: number;
}

/** One watched channel. */
interface Watch {
  batch: Batch;
  /** The hub's epoch for the channel when the watch started (0 = not covered then). */
  epoch: number;
  /** The ready state that arrived; until then the watch is a listener on the hub. */
  arrived: Buffer | undefined;
}

/**
 * Watches made within this many ms share a batch and its expiry timer: one timer per window instead
 * of one per send when tasks go out one at a time.
 */
const BATCH_WINDOW_MS = 1000;

/** Ready states larger than this are not kept by a watch (the wait reads them with GET). */
const MAX_KEPT_BYTES = 64 * 1024;

interface Batch {
  /** Channels watched since this batch opened; those still mapped to it expire with its timer. */
  readonly channels: string[];
  /** Channels still mapped to it: at 0 (once its window closed) its timer is cleared, so the batch is not kept until it fires. */
  live: number;
  timer: unknown;
  /** Ends the batch's window (no more watches join it). */
  closing: unknown;
}

const STATUS_PREFIX = Buffer.from('{"status": "');

/** The status of a Celery JSON record without decoding it (Celery and Celerity write it first); else undefined. */
function peekStatus(payload: Buffer): string | undefined {
  if (payload.length < STATUS_PREFIX.length + 2 || payload.compare(STATUS_PREFIX, 0, STATUS_PREFIX.length, 0, STATUS_PREFIX.length) !== 0) return undefined;
  const end = payload.indexOf(0x22, STATUS_PREFIX.length);
  return end < 0 ? undefined : payload.toString('latin1', STATUS_PREFIX.length, end);
}

/**
 * Watches are cheap because a bulk send makes one per task: one shared listener for all channels,
 * and one expiry timer per batch of watches made in the same window instead of one per watch.
 * @example
 * const watches = createWatchList(ctx, { timeout: 600_000, max: 100_000 });
 * watches.watch(taskId); // at send time
 */
export function createWatchList(ctx: WaitContext, options: WatchListOptions): WatchList {
  // channel → its watch; insertion order = age, for the maxWatched eviction.
  const watched = new Map<string, Watch>();
  let open: Batch | undefined;

  const forget = (channel: string): Watch | undefined => {
    const watch = watched.get(channel);
    if (watch === undefined) return undefined;
    watched.delete(channel);
    const { batch } = watch;
    if (--batch.live === 0) {
      // An open batch keeps its timer for the watches still to come in its window.
      if (open === batch) batch.channels.length = 0;
      else ctx.timers.clearTimeout(batch.timer);
    }
    return watch;
  };
  const close = (batch: Batch): void => {
    if (open === batch) open = undefined;
    if (batch.live === 0) ctx.timers.clearTimeout(batch.timer);
  };
  const release = (channel: string): void => {
    const watch = forget(channel);
    if (watch !== undefined && watch.arrived === undefined) ctx.hub.unhold(channel, listener);
  };
  const listener: ChannelListener = {
    message(payload, channel) {
      let status = peekStatus(payload);
      if (status === undefined) {
        try {
          status = ctx.decode('', payload).status;
        } catch {
          status = 'SUCCESS'; // undecodable: a waiter reports it; the watch has nothing left to do
        }
      }
      if (!READY_STATES.has(status as ResultMeta['status'])) return;
      const watch = watched.get(channel);
      if (watch === undefined || payload.length > MAX_KEPT_BYTES) return release(channel);
      // Kept for a wait that has not started yet; the subscription is no longer needed.
      watch.arrived = payload;
      ctx.hub.unhold(channel, listener);
    },
    resync() {},
    failed(_error, channel) {
      forget(channel);
    },
  };
  const expire = (batch: Batch): void => {
    for (const channel of batch.channels) if (watched.get(channel)?.batch === batch) release(channel);
  };

  return {
    watch(taskId) {
      const channel = ctx.channel(taskId);
      if (watched.has(channel)) return;
      while (watched.size >= options.max) {
        const oldest = watched.keys().next();
        if (oldest.done) break;
        release(oldest.value);
      }
      let batch = open;
      if (batch === undefined) {
        const fresh: Batch = { channels: [], live: 0, timer: undefined, closing: undefined };
        // Expires a whole window's watches at once, none of them early: each lives `timeout` to
        // `timeout + BATCH_WINDOW_MS`.
        fresh.timer = ctx.timers.setTimeout(() => expire(fresh), options.timeout + BATCH_WINDOW_MS);
        unrefTimer(fresh.timer);
        open = batch = fresh;
        fresh.closing = ctx.timers.setTimeout(() => close(fresh), BATCH_WINDOW_MS);
        unrefTimer(fresh.closing);
      }
      batch.channels.push(channel);
      batch.live++;
      watched.set(channel, { batch, epoch: ctx.hub.epochFor(channel), arrived: undefined });
      ctx.hub.hold(channel, listener);
    },
    drop(taskId) {
      release(ctx.channel(taskId));
    },
    claim(taskId) {
      const channel = ctx.channel(taskId);
      const watch = watched.get(channel);
      if (watch === undefined) return undefined;
      if (watch.arrived !== undefined) {
        forget(channel);
        return { arrived: watch.arrived, sure: true };
      }
      return { sure: watch.epoch !== 0 && watch.epoch === ctx.hub.epochFor(channel) };
    },
    get size() {
      return watched.size;
    },
    clear() {
      for (const channel of [...watched.keys()]) release(channel);
      if (open !== undefined) {
        ctx.timers.clearTimeout(open.closing);
        close(open);
      }
    },
  };
}
