/**
 * The clock of the latency rows: CLOCK_MONOTONIC in milliseconds (fractional). It is one clock for
 * every process on the machine — Node's `process.hrtime` and Python's `time.monotonic_ns()` both
 * read it on Linux — so a stamp taken in a worker child and one taken in the bench process can be
 * subtracted. Wall-clock time (`Date.now()`) would do too but has 1 ms resolution, and
 * `performance.now()` counts from each process's own start.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PacerClock } from './pacer.js';

/** Milliseconds of CLOCK_MONOTONIC (sub-microsecond resolution). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The pacer's clock in the bench: {@link monotonicMs} and Node's timers (which wait at least 1 ms). */
export const realPacerClock: PacerClock = {
  now: monotonicMs,
  sleep: async (ms) => void (await sleep(Math.max(0, ms))),
};
