/** The beat part of `results/latest.json`: how long a SIGKILLed `celerity beat` leader takes to be replaced. */
import type { Summary } from '../stats.js';

export interface BeatResults {
  /** The lease given to every process (`--lease`), ms. */
  leaseMs: number;
  pollMs: number;
  processes: number;
  /** Kill to a new lease holder, ms, one per kill. */
  takeoversMs: number[];
  takeover: Summary | undefined;
  /** Ticks of the 1 s entry read back from the queue, how many seconds were sent twice, and the largest gap between ticks (ms). */
  ticks: number;
  duplicates: number;
  largestGapMs: number;
  errors: Array<{ what: string; message: string }>;
}

export interface WithBeat {
  beat?: BeatResults;
}
