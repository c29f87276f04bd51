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
  /** How ticks reached the broker, as the leaders logged it: `push` (claim and LPUSH in one script) or `send` (claim, publish, confirm). */
  delivery: string;
  /** Ticks of the 1 s entry read back from the queue, how many seconds were sent twice, and the largest gap between ticks (ms). */
  ticks: number;
  duplicates: number;
  /** Seconds between the first and the last tick read back that are not in the queue. */
  lost: number;
  largestGapMs: number;
  errors: Array<{ what: string; message: string }>;
}

export interface WithBeat {
  beat?: BeatResults;
}
