/**
 * Where beat keeps its state, in Redis under one prefix: the entries (JSON by name), the disabled
 * names, each entry's last-run tick, the leader lease and its token counter.
 */
import { Redis } from 'ioredis';
import { checkEntry, type BeatEntry } from './entry.js';
import { BeatScheduleError } from './errors.js';
import { ACQUIRE, CLAIM_TICK, RELEASE, RENEW } from './scripts.js';

/** What a tick claim found: this caller sends it, it was already recorded, or the caller no longer leads. */
export type ClaimOutcome = 'claimed' | 'already-run' | 'not-leader';

export interface StoredEntry extends BeatEntry {
  enabled: boolean;
  /** The last tick recorded as run (epoch ms), if any. */
  lastRun: number | undefined;
}

export interface BeatStoreOptions {
  /** Key prefix. @default 'celerity:beat:' */
  prefix?: string;
}

export class BeatStore {
  readonly #redis: Redis;
  readonly #keys: { entries: string; disabled: string; last: string; lease: string; token: string };

  constructor(redis: Redis, options: BeatStoreOptions = {}) {
    this.#redis = redis;
    const p = options.prefix ?? 'celerity:beat:';
    this.#keys = { entries: `${p}entries`, disabled: `${p}disabled`, last: `${p}last-run`, lease: `${p}lease`, token: `${p}token` };
  }

  /** Writes entries (a new definition replaces the stored one; enabled/disabled and last run are kept). */
  async put(entries: readonly BeatEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#redis.hset(this.#keys.entries, Object.fromEntries(entries.map((e) => [e.name, JSON.stringify(e)])));
  }

  /** Removes an entry and its state; false when there was none. */
  async remove(name: string): Promise<boolean> {
    const [[, removed]] = (await this.#redis.multi().hdel(this.#keys.entries, name).srem(this.#keys.disabled, name).hdel(this.#keys.last, name).exec()) as [[unknown, number]];
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
    const [[, raw], [, disabled], [, last]] = (await this.#redis.multi().hgetall(this.#keys.entries).smembers(this.#keys.disabled).hgetall(this.#keys.last).exec()) as [
      [unknown, Record<string, string>],
      [unknown, string[]],
      [unknown, Record<string, string>],
    ];
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
        entries.push({ ...checkEntry(name, parsed), enabled: !off.has(name), lastRun });
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

  /** Records `tickMs` as `name`'s last run if `token` still leads and the last run is older. */
  async claimTick(token: number, name: string, tickMs: number): Promise<ClaimOutcome> {
    const result = (await this.#redis.eval(CLAIM_TICK, 2, this.#keys.lease, this.#keys.last, token, name, tickMs)) as number;
    return result === 1 ? 'claimed' : result === 0 ? 'already-run' : 'not-leader';
  }
}
