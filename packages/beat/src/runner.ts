/**
 * The beat loop. Every `pollMs` it takes or renews the lease; while it leads, it claims each due
 * tick of each enabled entry in Redis (token-checked, last-run-checked, recorded atomically) and
 * sends only the ticks it claimed. A process that loses the lease stops at its next claim.
 *
 * How a claimed tick reaches the broker decides what a leader killed mid-send costs:
 * - `push` (a Redis broker on the store's server and db): the claim and the LPUSH of the message are
 *   one script, so a tick is recorded if and only if its message is queued: exactly once.
 * - `send` (any broker): the claim marks the tick pending under its task id, the message is published
 *   (with the broker's confirm), then the pending mark is cleared. A leader killed between the claim
 *   and the clear leaves the mark; the next leader re-sends that tick with the same task id before any
 *   newer tick. Killed before the publish reached the broker: sent once (by the new leader). Killed
 *   after the broker confirmed it but before the clear: sent twice, both copies with the same task
 *   id. At least once, duplicates identifiable.
 */
import { systemClock, silentLogger, type Clock, type Logger } from '@celerity/core';
import type { BeatEntry } from './entry.js';
import { nextTick } from './schedule.js';
import type { BeatStore, ListPush, PendingTick, StoredEntry } from './store.js';

/** Publishes one tick of an entry with task id `taskId` (the same for every send of that tick); resolves once the broker has it. */
export type TickSender = (entry: BeatEntry, tickMs: number, taskId: string) => Promise<void>;

/** Encodes one tick as the message to LPUSH on the broker's Redis, in the claim's script (see `createBrokerTickPusher`). */
export type TickPusher = (entry: BeatEntry, tickMs: number, taskId: string) => Promise<ListPush>;

export interface BeatRunnerBaseOptions {
  store: Pick<BeatStore, 'read' | 'acquireLease' | 'renewLease' | 'releaseLease' | 'claimTick' | 'confirmTick' | 'pushPending' | 'taskId'>;
  /** @default systemClock */
  clock?: Clock;
  /** How long a lease lasts without renewal: a killed leader is replaced within this (plus one poll). @default 10000 */
  leaseMs?: number;
  /** How often the lease is renewed and entries looked at. @default 250 */
  pollMs?: number;
  /** A tick found later than this after its time counts as missed (see `MissedTickPolicy`). @default 2 * pollMs, at least 1000 */
  lateAfterMs?: number;
  logger?: Logger;
}

/** Runner options: the store and timing, and one way to deliver ticks, `send` (claim, publish, confirm) or `push` (claim and LPUSH in one script). */
export type BeatRunnerOptions = BeatRunnerBaseOptions & ({ send: TickSender; push?: undefined } | { push: TickPusher; send?: undefined });

/** At most this many ticks of one entry are claimed per poll, so a long outage cannot stall the loop. */
const TICKS_PER_POLL = 1000;

/** What one claim leaves the entry's loop to do: go on to the next tick, stop this entry for this poll, or stop (lease lost). */
type Next = 'next' | 'stop-entry' | 'lost';

export class BeatRunner {
  readonly #o: Required<Omit<BeatRunnerBaseOptions, 'logger'>> & { logger: Logger; deliver: { send: TickSender } | { push: TickPusher } };
  #token: number | undefined;
  #timer: unknown;
  #running = false;
  #stepping: Promise<void> = Promise.resolve();

  constructor(options: BeatRunnerOptions) {
    const pollMs = options.pollMs ?? 250;
    this.#o = {
      store: options.store,
      deliver: options.push === undefined ? { send: options.send } : { push: options.push },
      clock: options.clock ?? systemClock,
      leaseMs: options.leaseMs ?? 10_000,
      pollMs,
      lateAfterMs: options.lateAfterMs ?? Math.max(1000, 2 * pollMs),
      logger: options.logger ?? silentLogger,
    };
    if (this.#o.pollMs >= this.#o.leaseMs) throw new RangeError(`pollMs (${this.#o.pollMs}) must be shorter than leaseMs (${this.#o.leaseMs})`);
  }

  /** The fencing token while this runner leads, else undefined. */
  get token(): number | undefined {
    return this.#token;
  }

  /** Starts polling (the first poll at once). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const loop = (): void => {
      this.#stepping = this.step()
        .catch((error: unknown) => this.#o.logger.error('beat step failed', { error: (error as Error).message }))
        .finally(() => {
          if (this.#running) this.#timer = this.#o.clock.setTimeout(loop, this.#o.pollMs);
        });
    };
    loop();
  }

  /** Stops polling, waits for the current poll, and gives the lease up. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#o.clock.clearTimeout(this.#timer);
    await this.#stepping;
    if (this.#token !== undefined) {
      await this.#o.store.releaseLease(this.#token);
      this.#token = undefined;
    }
  }

  /** One poll: lead or keep leading, then claim and send what is due. */
  async step(): Promise<void> {
    const { store, leaseMs, logger } = this.#o;
    if (this.#token === undefined) {
      this.#token = await store.acquireLease(leaseMs);
      if (this.#token === undefined) return;
      logger.info('beat: leading', { token: this.#token });
    } else if (!(await store.renewLease(this.#token, leaseMs))) {
      logger.warn('beat: lease lost', { token: this.#token });
      this.#token = undefined;
      return;
    }
    const { entries, invalid } = await store.read();
    for (const error of invalid) logger.error('beat: entry skipped', { error: error.message });
    for (const entry of entries) {
      // A pending tick was claimed while the entry was enabled: it is delivered even if the entry was disabled since.
      if (!entry.enabled && entry.pending === undefined) continue;
      let next: Next;
      try {
        next = entry.pending === undefined ? 'next' : await this.#resend(entry, entry.pending);
        if (next === 'next' && entry.enabled) next = await this.#runEntry(entry, entry.lastRun);
      } catch (error) {
        // The claimed tick stays pending (send) or unclaimed (push): the next poll delivers it.
        logger.error(`beat: sending ${entry.name} failed`, { entry: entry.name, error: (error as Error).message });
        continue;
      }
      if (next === 'lost') return;
    }
  }

  /** Claims and sends `entry`'s due ticks. */
  async #runEntry(entry: BeatEntry, lastRun: number | undefined): Promise<Next> {
    const now = this.#o.clock.now();
    const token = this.#token!;
    if (lastRun === undefined && !('at' in entry.schedule)) {
      // First sight of a repeating entry: its ticks start after now, not at the epoch.
      return this.#claim(token, entry, now, 'record');
    }
    let tick = nextTick(entry.schedule, lastRun ?? -Infinity);
    for (let n = 0; tick !== undefined && tick <= now && n < TICKS_PER_POLL; n++) {
      const late = now - tick > this.#o.lateAfterMs;
      const next = await this.#claim(token, entry, tick, late && entry.missed === 'skip' ? 'skip' : 'send');
      if (next !== 'next') return next;
      tick = nextTick(entry.schedule, tick);
    }
    return 'next';
  }

  /** Claims `tick`; then sends it, or records it only ('record': a new entry's start; 'skip': a missed tick skipped). */
  async #claim(token: number, entry: BeatEntry, tick: number, then: 'send' | 'record' | 'skip'): Promise<Next> {
    const { store, deliver, logger } = this.#o;
    const taskId = store.taskId(entry.name, tick);
    const outcome =
      then !== 'send'
        ? await store.claimTick(token, entry.name, tick)
        : 'push' in deliver
          ? await store.claimTick(token, entry.name, tick, { push: await deliver.push(entry, tick, taskId) })
          : await store.claimTick(token, entry.name, tick, { pending: taskId });
    if (outcome === 'not-leader') return this.#lost(token);
    if (outcome === 'pending') return 'stop-entry';
    if (outcome !== 'claimed') return 'next';
    if (then === 'send') {
      if ('send' in deliver) {
        await deliver.send(entry, tick, taskId);
        await store.confirmTick(entry.name, tick);
      }
      logger.info(`beat: sent ${entry.name} (${entry.task})`, { entry: entry.name, tick: new Date(tick).toISOString(), token, taskId });
    } else if (then === 'skip') {
      logger.info(`beat: skipped missed tick of ${entry.name}`, { entry: entry.name, tick: new Date(tick).toISOString() });
    }
    return 'next';
  }

  /** Delivers a tick claimed earlier whose publish was never confirmed (its leader died, or the publish failed), with its task id. */
  async #resend(entry: StoredEntry, pending: PendingTick): Promise<Next> {
    const { store, deliver, logger } = this.#o;
    const token = this.#token!;
    if ('push' in deliver) {
      const outcome = await store.pushPending(token, entry.name, pending.tick, await deliver.push(entry, pending.tick, pending.taskId));
      if (outcome === 'not-leader') return this.#lost(token);
    } else {
      await deliver.send(entry, pending.tick, pending.taskId);
      await store.confirmTick(entry.name, pending.tick);
    }
    logger.warn(`beat: re-sent pending tick of ${entry.name} (${entry.task})`, { entry: entry.name, tick: new Date(pending.tick).toISOString(), token, taskId: pending.taskId });
    return 'next';
  }

  #lost(token: number): Next {
    this.#o.logger.warn('beat: lease lost', { token });
    this.#token = undefined;
    return 'lost';
  }
}
