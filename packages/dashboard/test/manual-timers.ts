/** Timers a test fires by hand: nothing runs until `fire` is called. */
import type { Timers } from '../src/timers.js';

export interface ManualTimers extends Timers {
  /** Intervals and timeouts still set, with their period. */
  readonly pending: ReadonlyArray<{ ms: number; callback: () => void; repeat: boolean }>;
  /** Runs every pending timer with this period once (timeouts are then gone). */
  fire(ms: number): void;
}

export function manualTimers(): ManualTimers {
  const pending = new Map<number, { ms: number; callback: () => void; repeat: boolean }>();
  let next = 0;
  const add = (callback: () => void, ms: number, repeat: boolean): number => {
    pending.set(++next, { ms, callback, repeat });
    return next;
  };
  const clear = (handle: unknown): void => void pending.delete(handle as number);
  return {
    get pending() {
      return [...pending.values()];
    },
    setInterval: (callback, ms) => add(callback, ms, true),
    setTimeout: (callback, ms) => add(callback, ms, false),
    clearInterval: clear,
    clearTimeout: clear,
    fire(ms) {
      for (const [handle, timer] of [...pending]) {
        if (timer.ms !== ms) continue;
        if (!timer.repeat) pending.delete(handle);
        timer.callback();
      }
    },
  };
}
