/**
 * Where beat keeps its state, in Redis under one prefix: the entries (JSON by name), the disabled
 * names, each entry's last-run tick, each entry's pending tick (claimed, publish not yet confirmed),
 * the leader lease and its token counter.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { isCluster } from '@celerity/redis-common/internal';
import { encodeTaskMessage, jsonSerializer, type Broker } from '@celerity/core';
import type { ListPushBroker } from './broker-sender.js';
import { checkEntry, type BeatEntry } from './entry.js';
import { BeatScheduleError } from './errors.js';
import { ACQUIRE, CLAIM_PENDING, CLAIM_PUSH, CLAIM_TICK, CONFIRM, PUSH_PENDING, RELEASE, RENEW } from './scripts.js';

/**
 * What a tick claim found: this caller owns the tick, it was already recorded, the caller no longer
 * leads, or the entry has an earlier tick pending (to be re-sent before any newer one is claimed).
 */
export type ClaimOutcome = 'claimed' | 'already-run' | 'not-leader' | 'pending';

/** A message for the broker's Redis: the list it goes to (prefixed, priority-suffixed) and kombu's bytes. */
export interface ListPush {
  list: string;
  raw: string;
}

/**
 * What a claim does besides recording the tick: nothing (`record`: a new entry's start, a skipped
 * tick), mark it pending under a task id until {@link BeatStore.confirmTick} (`pending`), or LPUSH its
 * message in the same script (`push`; the list must be on this store's Redis server and db).
 */
export type ClaimAction = { record: true } | { pending: string } | { push: ListPush };

/** A tick claimed for sending whose publish was not confirmed (its leader died or the publish failed). */
export interface PendingTick {
  tick: number;
  taskId: string;
}

export interface StoredEntry extends BeatEntry {
  enabled: boolean;
  /** The last tick recorded as run (epoch ms), if any. */
  lastRun: number | undefined;
  /** A claimed tick whose publish was not confirmed, if any. */
  pending?: PendingTick;
}

export interface BeatStoreOptions {
  /**
   * Key prefix. On a Redis Cluster the keys are `{<prefix>}entries`, `{<prefix>}lease`…: the hash
   * tag puts them in one slot, as the scripts and transactions that touch several of them need.
   * @default 'celerity:beat:'
   */
  prefix?: string;
}

export class BeatStore {
  readonly #redis: Redis | Cluster;
  readonly #keys: { entries: string; disabled: string; last: string; pending: string; lease: string; token: string };
  readonly #prefix: string;

  /** The store on `redis`: one server (`Redis`, Sentinel-managed or not) or a Redis Cluster (`Cluster`). */
  constructor(redis: Redis | Cluster, options: BeatStoreOptions = {}) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'celerity:beat:';
    const p = isCluster(redis) ? `{${this.#prefix}}` : this.#prefix;
    this.#keys = { entries: `${p}entries`, disabled: `${p}disabled`, last: `${p}last-run`, pending: `${p}pending`, lease: `${p}lease`, token: `${p}token` };
  }

  /**
   * The task id of an entry's tick: the same for every send of that tick (a re-send after a takeover
   * carries the first send's id, so a duplicate is identifiable), different across prefixes. A UUID
   * (version 5 layout) of the SHA-1 of prefix, name and tick.
   */
  taskId(name: string, tickMs: number): string {
    const hex = createHash('sha1').update(`${this.#prefix}\0${name}\0${tickMs}`).digest('hex');
    const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** Writes entries (a new definition replaces the stored one; enabled/disabled and last run are kept). */
  async put(entries: readonly BeatEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#redis.hset(this.#keys.entries, Object.fromEntries(entries.map((e) => [e.name, JSON.stringify(e)])));
  }

  /** Removes an entry and its state; false when there was none. */
  async remove(name: string): Promise<boolean> {
    const [[, removed]] = (await this.#redis.multi().hdel(this.#keys.entries, name).srem(this.#keys.disabled, name).hdel(this.#keys.last, name).hdel(this.#keys.pending, name).exec()) as [[unknown, number]];
    return removed === 1;
  }

  /** Enables or disables an entry; false when there is none by that name. */
  async setEnabled(name: string, enabled: boolean): Promise<boolean> {
    if ((await this.#redis.hexists(this.#keys.entries, name)) === 0) return false;
    if (enabled) await this.#redis.srem(this.#keys.disabled, name);
    else await this.#redis.sadd(this.#keys.disabled, name);
    return true;
  }

  /** Every stored entry, by name; an entry stored unreadable throws {@link BeatScheduleError} naming it. */
  async list(): Promise<StoredEntry[]> {
    const { entries, invalid } = await this.read();
    if (invalid[0]) throw invalid[0];
    return entries;
  }

  /** The readable entries, and an error for each unreadable one (so one bad entry stops no other). */
  async read(): Promise<{ entries: StoredEntry[]; invalid: BeatScheduleError[] }> {
    const [[, raw], [, disabled], [, last], [, pending]] = (await this.#redis
      .multi()
      .hgetall(this.#keys.entries)
      .smembers(this.#keys.disabled)
      .hgetall(this.#keys.last)
      .hgetall(this.#keys.pending)
      .exec()) as [[unknown, Record<string, string>], [unknown, string[]], [unknown, Record<string, string>], [unknown, Record<string, string>]];
    const off = new Set(disabled);
    const entries: StoredEntry[] = [];
    const invalid: BeatScheduleError[] = [];
    for (const name of Object.keys(raw).sort()) {
      try {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw[name]!);
        } catch (cause) {
          throw new BeatScheduleError(`beat entry '${name}' in Redis is not JSON`, { cause });
        }
        const lastRun = last[name] === undefined ? undefined : Number(last[name]);
        const [tick, taskId] = pending[name]?.split(' ') ?? [];
        entries.push({ ...checkEntry(name, parsed), enabled: !off.has(name), lastRun, ...(tick && taskId ? { pending: { tick: Number(tick), taskId } } : {}) });
      } catch (error) {
        invalid.push(error as BeatScheduleError);
      }
    }
    return { entries, invalid };
  }

  /** One entry, or undefined. */
  async get(name: string): Promise<StoredEntry | undefined> {
    return (await this.list()).find((e) => e.name === name);
  }

  /**
   * Whether `broker`'s queues are on this store's Redis server and db, which claiming with a `push`
   * needs: LPUSHes a probe item through the store onto the list the broker would use for a probe queue,
   * asks the broker that queue's size, and deletes the list. Always false on a Redis Cluster: the
   * queue's list and the store's keys are in different slots, which one script cannot touch.
   */
  async sharesRedisWith(broker: ListPushBroker & Pick<Broker, 'size'>): Promise<boolean> {
    if (isCluster(this.#redis)) return false;
    const queue = `${this.#prefix}probe-${randomUUID()}`;
    const envelope = encodeTaskMessage({ task: 'celerity.beat.probe', id: randomUUID(), args: [], kwargs: {} }, { serializer: jsonSerializer });
    const { list } = broker.encodePush({ queue }, envelope);
    await this.#redis.lpush(list, 'probe');
    try {
      return (await broker.size(queue)) === 1;
    } finally {
      await this.#redis.del(list);
    }
  }

  /** Takes the lease when free: the new fencing token, or undefined when another process holds it. */
  async acquireLease(leaseMs: number): Promise<number | undefined> {
    const token = (await this.#redis.eval(ACQUIRE, 2, this.#keys.lease, this.#keys.token, leaseMs)) as number;
    return token === 0 ? undefined : token;
  }

  /** Extends the lease held with `token`; false when it is no longer this token's. */
  async renewLease(token: number, leaseMs: number): Promise<boolean> {
    return ((await this.#redis.eval(RENEW, 1, this.#keys.lease, token, leaseMs)) as number) === 1;
  }

  /** Gives the lease up if `token` still holds it. */
  async releaseLease(token: number): Promise<void> {
    await this.#redis.eval(RELEASE, 1, this.#keys.lease, token);
  }

  /**
   * Records `tickMs` as `name`'s last run if `token` still leads, the last run is older and no tick of
   * `name` is pending; then does `action` in the same script (see {@link ClaimAction}).
   */
  async claimTick(token: number, name: string, tickMs: number, action: ClaimAction = { record: true }): Promise<ClaimOutcome> {
    const k = this.#keys;
    const result = (
      'push' in action
        ? await this.#redis.eval(CLAIM_PUSH, 4, k.lease, k.last, k.pending, action.push.list, token, name, tickMs, action.push.raw)
        : 'pending' in action
          ? await this.#redis.eval(CLAIM_PENDING, 3, k.lease, k.last, k.pending, token, name, tickMs, action.pending)
          : await this.#redis.eval(CLAIM_TICK, 3, k.lease, k.last, k.pending, token, name, tickMs)
    ) as number;
    return result === 1 ? 'claimed' : result === 0 ? 'already-run' : result === -2 ? 'pending' : 'not-leader';
  }

  /** Clears `name`'s pending tick once its publish is confirmed (a no-op when another tick or none is pending). */
  async confirmTick(name: string, tickMs: number): Promise<void> {
    await this.#redis.eval(CONFIRM, 1, this.#keys.pending, name, tickMs);
  }

  /**
   * LPUSHes the message of `name`'s pending tick and clears it in one script, while `token` leads:
   * 'claimed' = pushed, 'already-run' = that tick is no longer pending, 'not-leader'.
   */
  async pushPending(token: number, name: string, tickMs: number, push: ListPush): Promise<ClaimOutcome> {
    const result = (await this.#redis.eval(PUSH_PENDING, 3, this.#keys.lease, this.#keys.pending, push.list, token, name, tickMs, push.raw)) as number;
    return result === 1 ? 'claimed' : result === 0 ? 'already-run' : 'not-leader';
  }
}
