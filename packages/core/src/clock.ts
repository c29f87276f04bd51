/**
 * The one seam for time: wall-clock milliseconds and the timers that wait for them. Code that
 * holds, expires or limits something by time takes a `Clock`, so tests drive it with a fake clock
 * instead of sleeping.
 */

/** Wall-clock time and timers. */
export interface Clock {
  /** Milliseconds since the epoch (what `Date.now()` returns). */
  now(): number;
  /** Calls `callback` once, `ms` milliseconds from now; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer from {@link Clock.setTimeout}; a handle that already fired is ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * `Date.now` and Node's timers.
 * @example
 * const worker = createWorker({ tasks, clock: systemClock });
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
