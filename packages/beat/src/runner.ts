/**
 * The beat loop. Every `pollMs` it takes or renews the lease; while it leads, it claims each due
 * tick of each enabled entry in Redis (token-checked, last-run-checked, recorded atomically) and
 * sends only the ticks it claimed. A process that loses the lease stops at its next claim.
 */
import { systemClock, silentLogger, type Clock, type Logger } from '@celerity/core';
import type { BeatEntry } from './entry.js';
import { nextTick } from './schedule.js';
import type { BeatStore } from './store.js';

/** Sends one tick of an entry (see `createTickSender`). */
export type TickSender = (entry: BeatEntry, tickMs: number) => Promise<void>;

export interface BeatRunnerOptions {
  store: Pick<BeatStore, 'read' | 'acquireLease' | 'renewLease' | 'releaseLease' | 'claimTick'>;
  send: TickSender;
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

/** At most this many ticks of one entry are claimed per poll, so a long outage cannot stall the loop. */
const TICKS_PER_POLL = 1000;

export class BeatRunner {
  readonly #o: Required<Omit<BeatRunnerOptions, 'logger'>> & { logger: Logger };
  #token: number | undefined;
  #timer: unknown;
  #running = false;
  #stepping: Promise<void> = Promise.resolve();

  constructor(options: BeatRunnerOptions) {
    const pollMs = options.pollMs ?? 250;
    this.#o = {
      store: options.store,
      send: options.send,
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
      if (!entry.enabled) continue;
      if (!(await this.#runEntry(entry, entry.lastRun))) return;
    }
  }

  /** Claims and sends `entry`'s due ticks; false when the lease turned out lost. */
  async #runEntry(entry: BeatEntry, lastRun: number | undefined): Promise<boolean> {
    const now = this.#o.clock.now();
    const token = this.#token!;
    if (lastRun === undefined && !('at' in entry.schedule)) {
      // First sight of a repeating entry: its ticks start after now, not at the epoch.
      return this.#claim(token, entry, now, 'record');
    }
    let tick = nextTick(entry.schedule, lastRun ?? -Infinity);
    for (let n = 0; tick !== undefined && tick <= now && n < TICKS_PER_POLL; n++) {
      const late = now - tick > this.#o.lateAfterMs;
      if (!(await this.#claim(token, entry, tick, late && entry.missed === 'skip' ? 'skip' : 'send'))) return false;
      tick = nextTick(entry.schedule, tick);
    }
    return true;
  }

  /** Claims `tick`; then sends it, or records it only ('record': a new entry's start; 'skip': a missed tick skipped). */
  async #claim(token: number, entry: BeatEntry, tick: number, then: 'send' | 'record' | 'skip'): Promise<boolean> {
    const outcome = await this.#o.store.claimTick(token, entry.name, tick);
    if (outcome === 'not-leader') {
      this.#o.logger.warn('beat: lease lost', { token });
      this.#token = undefined;
      return false;
    }
    if (outcome !== 'claimed') return true;
    if (then === 'send') {
      await this.#o.send(entry, tick);
      this.#o.logger.info(`beat: sent ${entry.name} (${entry.task})`, { entry: entry.name, tick: new Date(tick).toISOString(), token });
    } else if (then === 'skip') {
      this.#o.logger.info(`beat: skipped missed tick of ${entry.name}`, { entry: entry.name, tick: new Date(tick).toISOString() });
    }
    return true;
  }
}
