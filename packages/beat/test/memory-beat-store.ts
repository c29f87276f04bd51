/** The BeatStore's lease and claim semantics in memory (the Lua scripts' rules), for runner unit tests. */
import type { BeatEntry } from '../src/entry.js';
import type { ClaimAction, ClaimOutcome, ListPush, PendingTick, StoredEntry } from '../src/store.js';
import type { BeatScheduleError } from '../src/errors.js';

export class MemoryBeatStore {
  entries: BeatEntry[] = [];
  disabled = new Set<string>();
  lastRun = new Map<string, number>();
  pending = new Map<string, PendingTick>();
  /** What claims and pushPending LPUSHed, by list (newest last). */
  pushed: Array<ListPush> = [];
  lease: { token: number; until: number } | undefined;
  tokens = 0;

  constructor(readonly now: () => number) {}

  #held(): { token: number; until: number } | undefined {
    return this.lease && this.lease.until > this.now() ? this.lease : undefined;
  }
  taskId(name: string, tickMs: number): string {
    return `${name}@${tickMs}`;
  }
  async read(): Promise<{ entries: StoredEntry[]; invalid: BeatScheduleError[] }> {
    return {
      entries: this.entries.map((e) => {
        const pending = this.pending.get(e.name);
        return { ...e, enabled: !this.disabled.has(e.name), lastRun: this.lastRun.get(e.name), ...(pending ? { pending } : {}) };
      }),
      invalid: [],
    };
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
  async claimTick(token: number, name: string, tickMs: number, action: ClaimAction = { record: true }): Promise<ClaimOutcome> {
    if (this.#held()?.token !== token) return 'not-leader';
    if (this.pending.has(name)) return 'pending';
    if ((this.lastRun.get(name) ?? -Infinity) >= tickMs) return 'already-run';
    this.lastRun.set(name, tickMs);
    if ('pending' in action) this.pending.set(name, { tick: tickMs, taskId: action.pending });
    if ('push' in action) this.pushed.push(action.push);
    return 'claimed';
  }
  async confirmTick(name: string, tickMs: number): Promise<void> {
    if (this.pending.get(name)?.tick === tickMs) this.pending.delete(name);
  }
  async pushPending(token: number, name: string, tickMs: number, push: ListPush): Promise<ClaimOutcome> {
    if (this.#held()?.token !== token) return 'not-leader';
    if (this.pending.get(name)?.tick !== tickMs) return 'already-run';
    this.pushed.push(push);
    this.pending.delete(name);
    return 'claimed';
  }
}
