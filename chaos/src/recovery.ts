/**
 * How long the system took to get over each fault, from the ledger's `done` times (of every task
 * but poison, sent or not: this is about the system working again):
 * - first completion: fault → the first body to complete after it (any worker);
 * - throughput back: fault → the start of the first 1 s window whose completions reach 80 % of the
 *   rate of the 2 s before the fault (0 when the fault caused no dip); null when it never came back
 *   before the run's last completion, or there was no rate to come back to. When the run completed
 *   all its work without the rate coming back (or less than 2 s of pre-fault throughput was left to
 *   do after the fault), it drained before the rate could be judged: `drained` says so;
 * - in-flight recovered: fault → the completion of the last task that was in flight at the fault
 *   (started, not done); null when one of them never completed.
 */
import { historyById, inFlightAt } from './count.js';
import type { Fault } from './faults.js';
import type { LedgerEvent } from './ledger/record.js';

/** Recovery figures of one fault, in milliseconds. */
export interface Recovery {
  fault: Fault;
  firstCompletionMs: number | null;
  throughputBackMs: number | null;
  /** Completions per second in the 2 s before the fault. */
  preFaultRate: number;
  /** Too little work was left after the fault to tell whether the rate came back. */
  drained: boolean;
  inFlight: number;
  inFlightRecoveredMs: number | null;
}

const PRE_WINDOW_MS = 2000;
const WINDOW_MS = 1000;
const STEP_MS = 100;
const RATE_SHARE = 0.8;

/** Index of the first element ≥ `value` in a sorted array. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countIn(sorted: readonly number[], from: number, to: number): number {
  return lowerBound(sorted, to) - lowerBound(sorted, from);
}

/**
 * @example
 * for (const r of recoveries(ledger.events, faults, new Set(poison))) console.log(r.fault.label, r.throughputBackMs);
 */
export function recoveries(
  events: readonly LedgerEvent[],
  faults: readonly Fault[],
  exclude: ReadonlySet<string> = new Set(),
  /** Whether every task the run was waiting for completed (it ran out of work rather than stalled). */
  allCompleted = false,
): Recovery[] {
  const include = (id: string): boolean => !exclude.has(id);
  const doneTimes = events.filter((e) => e.kind === 'done' && include(e.id)).map((e) => e.t).sort((a, b) => a - b);
  const byId = historyById(events);
  const firstDone = doneTimes[0];
  const lastDone = doneTimes[doneTimes.length - 1];
  return faults.map((fault) => {
    const at = fault.at;
    const next = doneTimes[lowerBound(doneTimes, at + 1)];
    const firstCompletionMs = next === undefined ? null : next - at;

    let preFaultRate = 0;
    let throughputBackMs: number | null = null;
    let drained = false;
    if (firstDone !== undefined && lastDone !== undefined && firstDone < at) {
      const from = Math.max(at - PRE_WINDOW_MS, firstDone);
      preFaultRate = at - from >= WINDOW_MS / 2 ? (countIn(doneTimes, from, at) * 1000) / (at - from) : 0;
      if (preFaultRate > 0) {
        const needed = (preFaultRate * RATE_SHARE * WINDOW_MS) / 1000;
        for (let t = at; t + WINDOW_MS <= lastDone + 1; t += STEP_MS) {
          if (countIn(doneTimes, t, t + WINDOW_MS) >= needed) {
            throughputBackMs = t - at;
            break;
          }
        }
        if (throughputBackMs === null) drained = allCompleted || doneTimes.length - lowerBound(doneTimes, at + 1) < 2 * needed;
      }
    }

    const inFlight = inFlightAt(byId, at, include);
    let inFlightRecoveredMs: number | null = 0;
    for (const id of inFlight) {
      const after = byId.get(id)!.dones.find((t) => t > at);
      if (after === undefined) {
        inFlightRecoveredMs = null;
        break;
      }
      inFlightRecoveredMs = Math.max(inFlightRecoveredMs, after - at);
    }
    return { fault, firstCompletionMs, throughputBackMs, preFaultRate, drained, inFlight: inFlight.length, inFlightRecoveredMs };
  });
}
