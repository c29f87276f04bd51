/**
 * Acknowledgements of one consumer channel, batched. Acks made in the same tick go out together:
 * every acked tag below the oldest still-unsettled delivery is covered by one `basic.ack` with
 * `multiple=true` (RabbitMQ then forgets every outstanding tag up to it, which are exactly those);
 * acked tags above it are sent one by one, since `multiple` would also ack the unsettled one.
 * Rejections go out at once. Tags are channel-scoped: after the channel dies, settling one of its
 * deliveries fails with `ConnectionError` (RabbitMQ redelivers the message).
 * A batch goes out at the end of the turn (setImmediate), or at once on `flush()` (the broker's
 * `flushAcks()`, before a blocking task), and its frames are written to the socket right away
 * rather than one more turn later by amqplib (channel-frames.ts).
 */
import type { Channel, Message } from 'amqplib';
import { ConnectionError } from '@celerity/core';
import { writeQueuedFrames } from './channel-frames.js';

/** Batches acks for one channel; see the module comment. */
export class AckTracker {
  /** Delivered and not settled, in delivery (= tag) order (a Map keeps insertion order) → its key. */
  private readonly open = new Map<number, string>();
  /** How many of `open` each key has. */
  private readonly perKey = new Map<string, number>();
  private acked: number[] = [];
  /** The promise every ack of the current tick shares. */
  private batch: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | undefined;
  private dead = false;
  private paused = 0;
  private flushWhenResumed = false;
  private idleWaiters: Array<() => void> = [];

  /** @param onSettled called (synchronously) with the key of each delivery acked or rejected */
  constructor(
    private readonly channel: Channel,
    private readonly onSettled?: (key: string) => void,
  ) {}

  /** Deliveries handed out and not settled yet. */
  get outstanding(): number {
    return this.open.size;
  }

  /** Whether the channel is gone (every settle now fails). */
  get closed(): boolean {
    return this.dead;
  }

  /**
   * Holds the batched acks back (not `flush()` itself) until the returned function is called: while
   * a consumer's consumers are cancelled one RPC after another, an ack must not let RabbitMQ hand a
   * consumer not cancelled yet more deliveries.
   */
  pause(): () => void {
    this.paused++;
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this.paused--;
      if (this.paused === 0 && this.flushWhenResumed) {
        this.flushWhenResumed = false;
        this.flush();
      }
    };
  }

  /** Deliveries tracked under `key` handed out and not settled yet. */
  outstandingOf(key: string): number {
    return this.perKey.get(key) ?? 0;
  }

  /** Records a delivery as handed out, under a key (the consumer's: its consumer tag). */
  track(tag: number, key = ''): void {
    this.open.set(tag, key);
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
  }

  /** Takes a tag off the open ones; false when it was not open. */
  private settle(tag: number): boolean {
    const key = this.open.get(tag);
    if (key === undefined) return false;
    this.open.delete(tag);
    const left = (this.perKey.get(key) ?? 1) - 1;
    if (left === 0) this.perKey.delete(key);
    else this.perKey.set(key, left);
    this.onSettled?.(key);
    return true;
  }

  /** Acks a tag in the next batch; resolves when the batch has been written. */
  ack(tag: number): Promise<void> {
    if (this.dead) return failed();
    if (!this.settle(tag)) return Promise.resolve();
    this.acked.push(tag);
    if (this.batch === undefined) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Callers often fire and forget an ack; a lost channel must not become an unhandled rejection.
      promise.catch(() => undefined);
      this.batch = { promise, resolve, reject };
      setImmediate(() => {
        if (this.paused > 0) this.flushWhenResumed = true;
        else this.flush();
      });
    }
    return this.batch.promise;
  }

  /** Rejects (`basic.reject`) a tag now, requeueing it or not. */
  reject(tag: number, requeue: boolean): Promise<void> {
    if (this.dead) return failed();
    if (!this.settle(tag)) return Promise.resolve();
    try {
      this.channel.reject(asMessage(tag), requeue);
    } catch {
      return failed();
    } finally {
      this.maybeIdle();
    }
    return Promise.resolve();
  }

  /** Sends the acks collected so far (also called before the channel is closed on purpose). */
  flush(): void {
    const batch = this.batch;
    this.batch = undefined;
    const acked = this.acked;
    this.acked = [];
    if (acked.length > 0) {
      if (this.dead) {
        batch?.reject(lostChannel());
        return;
      }
      try {
        this.send(acked);
      } catch {
        batch?.reject(lostChannel());
        return;
      }
      writeQueuedFrames(this.channel);
    }
    batch?.resolve();
    this.maybeIdle();
  }

  private send(acked: number[]): void {
    const oldestOpen = this.open.size === 0 ? Infinity : (this.open.keys().next().value as number);
    let upTo = -1;
    let above = 0;
    for (const tag of acked) {
      if (tag < oldestOpen) {
        if (tag > upTo) upTo = tag;
      } else above++;
    }
    if (upTo >= 0) this.channel.ack(asMessage(upTo), true);
    if (above > 0) for (const tag of acked) if (tag >= oldestOpen) this.channel.ack(asMessage(tag), false);
  }

  /** Resolves once nothing is outstanding or the channel is gone. */
  idle(): Promise<void> {
    if (this.open.size === 0 || this.dead) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The channel closed: pending acks are lost (RabbitMQ requeues those messages). */
  markDead(): void {
    this.dead = true;
    this.acked = [];
    this.batch?.reject(lostChannel());
    this.batch = undefined;
    this.open.clear();
    this.perKey.clear();
    this.maybeIdle();
  }

  private maybeIdle(): void {
    if ((this.open.size > 0 && !this.dead) || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function asMessage(tag: number): Message {
  // amqplib only reads `fields.deliveryTag` of the message passed to ack / reject.
  return { fields: { deliveryTag: tag } } as unknown as Message;
}

/** A rejected promise that does not count as unhandled when a caller fires and forgets. */
function failed(): Promise<void> {
  const promise = Promise.reject(lostChannel());
  promise.catch(() => undefined);
  return promise;
}

function lostChannel(): ConnectionError {
  return new ConnectionError('The AMQP channel of this delivery was closed; RabbitMQ will deliver the message again');
}
