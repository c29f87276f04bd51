/**
 * Acks, batched: every `ack()` (and `reject()` without requeue, which kombu ≥ 5.3.3 also turns into
 * ZREM + HDEL) made while the event loop is busy is removed by one call of the ack script (a variadic
 * ZREM and HDEL, atomic like kombu's MULTI), instead of a transaction per message. An ioredis MULTI
 * costs a Pipeline object per batch, whose garbage outlived young-generation collections and grew
 * the worker's heap. A batch goes out at the end of the turn (setImmediate), with the next fetch
 * if that comes first, ahead of an idle consumer's next BLMOVE when one blocks at the end of that
 * turn (`hold`), or at once when the broker's `flushAcks()` is called (before a blocking task).
 * While a fetch is in flight on the command connection, the end-of-turn write waits for its reply:
 * the consumer usually fetches again as it handles that reply, and the batch rides with that fetch
 * (at concurrency 1 a separate ack call per fetch otherwise made one round trip in three); what no
 * fetch took goes out at the end of that turn.
 */
import type { RedisClient } from '@celerity/redis-common/internal';
import { withReconnect } from './reconnect.js';
import { runScript } from '@celerity/redis-common/internal';
import { ACK_SCRIPT } from './scripts.js';
import type { Keyspace } from './keys.js';

/** Tags acked together and the promise their `ack()` calls share. */
export interface AckBatch {
  /** The `unacked` hash of these tags (one for every queue on one server, per queue on a cluster). */
  unacked: string;
  /** The `unacked_index` zset of these tags. */
  unackedIndex: string;
  tags: string[];
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Collects delivery tags and removes their `unacked` / `unacked_index` entries in batches, one batch
 * per `unacked` hash: a single batch on one server, one per queue on a cluster (a script's keys must
 * share a slot there).
 */
export class AckBatcher {
  private readonly batches = new Map<string, AckBatch>();
  private flushQueued = false;
  /** Fetch script calls in flight on the command connection (see the module comment). */
  private fetching = 0;
  /** Holders that will take their batch at the end of this turn (see `hold`). */
  private holds = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: RedisClient,
    private readonly keys: Keyspace,
    /** How long an ack keeps retrying across a reconnect (ms). */
    private readonly timeout: number,
  ) {}

  /** Queues the tag of a message taken from `queue`; the promise settles when its batch is written. All acks of a batch share it. */
  add(tag: string, queue: string): Promise<void> {
    const unacked = this.keys.unackedOf(queue);
    let batch = this.batches.get(unacked);
    if (batch === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // An ack whose caller does not await it must not become an unhandled rejection.
      promise.catch(() => undefined);
      batch = { unacked, unackedIndex: this.keys.unackedIndexOf(queue), tags: [], promise, resolve, reject };
      this.batches.set(unacked, batch);
      // setImmediate (not a microtask) so acks made from several I/O callbacks share a batch.
      this.queueFlush();
    }
    batch.tags.push(tag);
    return batch.promise;
  }

  /**
   * Takes the batch of the `unacked` hash `unacked` waiting for its turn, for a caller that removes
   * the tags itself (the fetch script, in the same call that takes the next messages). `undefined`
   * when nothing waits.
   */
  take(unacked: string): AckBatch | undefined {
    const batch = this.batches.get(unacked);
    this.batches.delete(unacked);
    return batch;
  }

  /** Gives back a taken batch whose removal failed: it goes out with the next flush. */
  restore(batch: AckBatch): void {
    let waiting = this.batches.get(batch.unacked);
    if (waiting === undefined) {
      this.batches.set(batch.unacked, batch);
      this.queueFlush();
      return;
    }
    for (const tag of batch.tags) waiting.tags.push(tag);
    waiting.promise.then(batch.resolve, batch.reject);
  }

  /** Called as a fetch script call is sent on the command connection: end-of-turn writes wait for its reply. */
  fetchSent(): void {
    this.fetching++;
  }

  /**
   * Called when that call's reply (or error) came, before the consumer handles it: a batch its next
   * fetch does not take goes out at the end of this turn.
   */
  fetchSettled(): void {
    this.fetching--;
    if (this.batches.size > 0) this.queueFlush();
  }

  /**
   * Keeps the batches of this turn from going out on their own until the returned release is called,
   * for a caller that takes one with `take` at the end of the turn (an idle consumer sends it ahead of
   * its BLMOVE, in the same write). The release sends whatever is still waiting, unless a fetch in
   * flight will (its reply queues the end-of-turn write again). `flush()` is not held.
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0 && this.fetching === 0 && this.batches.size > 0) this.flush();
    };
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      // A fetch in flight will carry the batch, or queue this again when its reply came; a holder
      // takes the batch or sends it when released.
      if (this.fetching === 0 && this.holds === 0) this.flush();
    });
  }

  /** Sends the batches waiting for their turn now (the command is written in the caller's tick when connected). */
  flush(): void {
    for (const batch of this.batches.values()) this.write(batch);
    this.batches.clear();
  }

  private write(batch: AckBatch): void {
    const { unacked, unackedIndex } = batch;
    const write = withReconnect(
      this.client,
      'ack',
      async () => {
        await runScript(this.client, ACK_SCRIPT, [unacked, unackedIndex], batch.tags);
      },
      { timeout: this.timeout },
    ).then(batch.resolve, batch.reject);
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  /** Sends what is queued now and waits for every batch in flight. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }
}
