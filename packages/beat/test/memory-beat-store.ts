/** The BeatStore's lease and claim semantics in memory (the Lua scripts' rules), for runner unit tests. */
import type { BeatEntry } from '../src/entry.js';
import type { ClaimOutcome, StoredEntry } from '../src/store.js';
import type { BeatScheduleError } from '../src/errors.js';

export class MemoryBeatStore {
  entries: BeatEntry[] = [];
  disabled = new Set<string>();
  lastRun = new Map<string, number>();
  lease: { token: number; until: number } | undefined;
  tokens = 0;

  constructor(readonly now: () => number) {}

  #held(): { token: number; until: number } | undefined {
    return this.lease && this.lease.until > this.now() ? this.lease : undefined;
  }
  async read(): Promise<{ entries: StoredEntry[]; invalid: BeatScheduleError[] }> {
    return { entries: this.entries.map((e) => ({ ...e, enabled: !this.disabled.has(e.name), lastRun: this.lastRun.get(e.name) })), invalid: [] };
  }
  async acquireLease(leaseMs: number): Promise<number | undefined> {
    if (this.#held()) return undefined;
    this.lease = { token: ++this.tokens, until: this.now() + leaseMs };
    return this.tokens;
  }
  async renewLease(token: number, leaseMs: number): Promise<boolean> {
    if (this.#held()?.token !== token) return false;
    this.lease = { token, until: this.now() + leaseMs };
    return true;
  }
  async releaseLease(token: number): Promise<void> {
    if (this.#held()?.token === token) this.lease = undefined;
  }
  async claimTick(token: number, name: string, tickMs: number): Promise<ClaimOutcome> {
    if (this.#held()?.token !== token) return 'not-leader';
    if ((this.lastRun.get(name) ?? -Infinity) >= tickMs) return 'already-run';
    this.lastRun.set(name, tickMs);
    return 'claimed';
  }
}
