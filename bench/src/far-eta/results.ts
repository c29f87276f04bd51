/** The far-eta part of `results/latest.json`: many tasks due a day ahead, Celerity parked vs BullMQ delayed. */

/** The systems of the far-eta rows. */
export type FarEtaSystem = 'celerity' | 'bullmq';

/** Sizes of the far-eta rows. */
export interface FarEtaSizes {
  tasks: number;
  /** How far ahead every task is due, seconds. */
  delayS: number;
  /** Celerity's broker-redis `parkEtaAfter`, seconds. */
  parkEtaAfter: number;
  /** How long a worker runs beside the tasks while its memory is sampled, ms. */
  holdMs: number;
}

/** One system's figures (one repetition). */
export interface FarEtaRow {
  system: FarEtaSystem;
  /** Tasks sent with the system's bulk API, 1,000 per call, per second. */
  enqueuePerS: number;
  /** `used_memory` after the sends minus before (flushed server), bytes. */
  usedMemoryBytes: number;
  /** Keys in the db after the sends. */
  keys: number;
  /** Largest VmRSS of a worker of the system on an empty Redis, sampled over the hold, bytes. */
  idleRssBytes: number;
  /** CPU of that worker over the hold, ms. */
  idleCpuMs: number;
  /** Largest VmRSS of a fresh worker of the system consuming the queue with every task stored, bytes. */
  holdingRssBytes: number;
  /** CPU of that worker over the hold, ms. */
  holdingCpuMs: number;
  /** Redis CPU over the hold, ms. */
  holdingRedisCpuMs: number;
}

/** Everything the far-eta part measured. */
export interface FarEtaResults {
  sizes: FarEtaSizes;
  rows: FarEtaRow[];
  errors: Array<{ row: string; message: string }>;
}

/** `BenchResults` with the optional far-eta part. */
export interface WithFarEta {
  farEta?: FarEtaResults;
}
