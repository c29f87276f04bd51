/** The counters a worker shows: outcomes counted as runs settle, gauges read live from its parts. */
import type { TraceOutcome } from '@celerity/core/internal';

/** Counters of a running worker. */
export interface WorkerStats {
  /** Runs finished, whatever their outcome. */
  processed: number;
  succeeded: number;
  failed: number;
  retried: number;
  /** Messages not run: undecodable, refused content, unregistered tasks, malformed. */
  rejected: number;
  /** Messages moved to the dead-letter queue after `maxDeliveries` deliveries. */
  deadLettered: number;
  /** Redelivered messages of tasks that had already succeeded: acked, not run again (`deduplicateSuccessfulTasks`). */
  deduplicated: number;
  /** Tasks holding a concurrency slot now. */
  active: number;
  /** Tasks due but waiting for a slot, or for a rate limit token (held unacked, no slot taken). */
  waiting: number;
  /** ETA tasks held until due. */
  scheduled: number;
}


/**
 * The stats object a worker exposes. The gauges are getters over its parts rather than copies
 * written on every change: nothing to keep in step, and nothing written per task for them.
 * They are own enumerable properties, so spreading or logging the object shows them.
 * @example
 * const stats = createWorkerStats(gate, scheduler);
 * recordOutcome(stats, outcome);
 */
export function createWorkerStats(slots: { readonly active: number; readonly waiting: number }, eta: { readonly size: number }): WorkerStats {
  return {
    processed: 0,
    succeeded: 0,
    failed: 0,
    retried: 0,
    rejected: 0,
    deadLettered: 0,
    deduplicated: 0,
    get active() {
      return slots.active;
    },
    get waiting() {
      return slots.waiting;
    },
    get scheduled() {
      return eta.size;
    },
  };
}

/** Counts one settled run. */
export function recordOutcome(stats: WorkerStats, outcome: TraceOutcome): void {
  stats.processed++;
  if (outcome.kind === 'success') stats.succeeded++;
  else if (outcome.kind === 'failure') stats.failed++;
  else if (outcome.kind === 'retry') stats.retried++;
}
