/**
 * Holds items until their ETA on an injected clock, then hands each to `due`. Knows nothing about
 * messages: what "due" means (expired, gone stale, run) is the caller's business.
 */
import type { Clock } from '@celerity/core';

/** The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** Options of {@link createEtaScheduler}. */
export interface EtaSchedulerOptions<T> {
  clock: Clock;
  /** Called once per item, when the clock reaches its ETA. */
  due(item: T): void;
  /** Called whenever the number of held items changes (the worker widens its prefetch by it). */
  changed?(held: number): void;
}

/** Items waiting for their ETA. */
export interface EtaScheduler<T> {
  /** Holds `item` until `eta` (ms since the epoch). */
  hold(item: T, eta: number): void;
  /** Items held now. */
  readonly size: number;
  /** The items held now (what `inspect scheduled` lists), in no particular order. */
  items(): T[];
  /** Cancels the timers of the items `match` selects and returns those items, no longer held. */
  drop(match: (item: T) => boolean): T[];
  /** Cancels every timer and returns the items held, which are no longer this scheduler's. */
  releaseAll(): T[];
}

/**
 * @example
 * const scheduler = createEtaScheduler({ clock: systemClock, due: (job) => run(job) });
 * scheduler.hold(job, message.eta.getTime());
 */
export function createEtaScheduler<T>(options: EtaSchedulerOptions<T>): EtaScheduler<T> {
  const { clock, due, changed } = options;
  const held = new Map<T, unknown>();

  // One closure per held item: ETA tasks are few next to the plain ones, which never come here.
  const arm = (item: T, eta: number): void => {
    const delay = Math.min(Math.max(0, eta - clock.now()), MAX_TIMER_DELAY);
    const timer = clock.setTimeout(() => {
      // A far ETA takes several timers: the first ones only bring it closer.
      if (eta > clock.now()) return arm(item, eta);
      held.delete(item);
      changed?.(held.size);
      due(item);
    }, delay);
    held.set(item, timer);
  };

  return {
    hold(item, eta) {
      arm(item, eta);
      changed?.(held.size);
    },
    get size() {
      return held.size;
    },
    items: () => [...held.keys()],
    drop(match) {
      const dropped: T[] = [];
      for (const [item, timer] of held) {
        if (!match(item)) continue;
        clock.clearTimeout(timer);
        held.delete(item);
        dropped.push(item);
      }
      if (dropped.length > 0) changed?.(held.size);
      return dropped;
    },
    releaseAll() {
      const items = [...held.keys()];
      for (const timer of held.values()) clock.clearTimeout(timer);
      held.clear();
      if (items.length > 0) changed?.(0);
      return items;
    },
  };
}
