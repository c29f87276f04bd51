/**
 * A clock whose time moves only when a test says so. Timers fire in time order, each with the
 * clock set to its due time, so what a timer sees is what it would see on a real clock.
 */
import type { Clock } from '@celerity/core';

/** Node fires a timer longer than this at once (with a warning): the fake refuses it outright. */
const NODE_MAX_DELAY = 2 ** 31 - 1;

/** A {@link Clock} a test moves on by hand. */
export interface FakeClock extends Clock {
  /** Moves time on by `ms`, firing every timer due by then. */
  advance(ms: number): void;
  /** Timers neither fired nor cleared. */
  readonly pending: number;
}

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/** @param start the time it shows first (ms since the epoch) */
export function createFakeClock(start = Date.UTC(2030, 0, 1)): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Set<Timer>();
  const next = (until: number): Timer | undefined => {
    let first: Timer | undefined;
    for (const t of timers) if (t.at <= until && (first === undefined || t.at < first.at || (t.at === first.at && t.seq < first.seq))) first = t;
    return first;
  };
  return {
    now: () => now,
    setTimeout(callback, ms) {
      if (ms > NODE_MAX_DELAY) throw new RangeError(`a ${ms} ms timer would fire at once on Node (the limit is ${NODE_MAX_DELAY} ms)`);
      const timer: Timer = { at: now + Math.max(0, ms), seq: seq++, callback };
      timers.add(timer);
      return timer;
    },
    clearTimeout(handle) {
      timers.delete(handle as Timer);
    },
    advance(ms) {
      const until = now + ms;
      for (let t = next(until); t !== undefined; t = next(until)) {
        timers.delete(t);
        now = t.at;
        t.callback();
      }
      now = until;
    },
    get pending() {
      return timers.size;
    },
  };
}
