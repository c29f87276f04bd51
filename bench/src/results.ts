/** The shape of `results/latest.json`: every figure of one run, per system. */
import type { BenchConfig } from './config.js';
import type { Summary } from './stats.js';
import type { SystemName } from './system.js';

/** The machine the run happened on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
  /** 1-minute load average when the run started (other work on the machine skews figures). */
  loadAverage: number;
  /** Share of all CPUs busy (0–1) right before each scenario, after waiting for quiet (see quiet.ts). */
  quiet?: Array<{ scenario: string; busy: number | null; waitedS: number; quiet: boolean }>;
}

/** Scenario 1: jobs/s. */
export interface EnqueueFigures {
  one?: Summary;
  bulk?: Summary;
}

/** Scenario 2, one concurrency: jobs/s plus what the worker and Redis spent. */
export interface ProcessFigures {
  throughput: Summary;
  /** Worker process VmHWM after all repetitions, bytes. */
  peakRssBytes: number;
  /** Worker CPU (user + system, all threads) per job, µs. */
  workerCpuUs: Summary;
  /** Redis CPU per job, µs. */
  redisCpuUs: Summary;
  /** Commands Redis processed per job (`total_commands_processed`). */
  redisCommands: Summary;
}

/** Scenario 3: milliseconds. */
export interface RoundTripFigures {
  p50: Summary;
  p99: Summary;
  /** Round trips measured in each repetition. */
  samples: number[];
}

/** Scenario 4: bytes per job (sum of `MEMORY USAGE` over all keys / jobs). */
export interface BytesFigures {
  queued: Summary;
  result: Summary;
}

/** A run that failed; the report shows it instead of a figure. */
export interface RunError {
  system: SystemName;
  scenario: string;
  message: string;
}

/** Everything one invocation measured. */
export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  config: BenchConfig;
  machine: MachineInfo;
  systems: Array<{ name: SystemName; label: string; notes: readonly string[] }>;
  enqueue: Partial<Record<SystemName, EnqueueFigures>>;
  /** Keyed by system, then by concurrency. */
  process: Partial<Record<SystemName, Record<string, ProcessFigures>>>;
  roundTrip: Partial<Record<SystemName, RoundTripFigures>>;
  bytes: Partial<Record<SystemName, BytesFigures>>;
  errors: RunError[];
}
