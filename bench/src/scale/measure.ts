/** The scale part's arithmetic and parsing, kept apart from Redis and processes so it can be tested. */
import type { BenchConfig } from '../config.js';
import type { ScaleSizes } from './results.js';

/** Sizes from the bench's mode. */
export function scaleSizes(config: BenchConfig): ScaleSizes {
  return config.mode === 'quick' ? { reps: 3, jobs: 20_000, concurrency: 100 } : { reps: 5, jobs: 50_000, concurrency: 100 };
}

/**
 * Keys with an expiry in db `db`, from an `INFO keyspace` reply (`db0:keys=12,expires=10,avg_ttl=…`);
 * 0 when the db has no keys (Redis leaves its line out).
 * @example
 * keyspaceExpires('# Keyspace\r\ndb0:keys=12,expires=10,avg_ttl=0\r\n', 0); // 10
 */
export function keyspaceExpires(info: string, db: number): number {
  const match = new RegExp(`^db${db}:keys=\\d+,expires=(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

/** What bounds the throughput on this machine, from the CPU each task costs. */
export interface Ceilings {
  /** Tasks/s at which Redis, one thread, would use a whole core: 1e6 / Redis µs per task. */
  redis: number;
  /** Tasks/s at which workers and Redis together would use every core: cores × 1e6 / (worker + Redis µs per task). */
  machine: number;
}

/**
 * @example
 * ceilings({ workerCpuUs: 20, redisCpuUs: 12 }, 2); // { redis: 83_333, machine: 62_500 }
 */
export function ceilings(perTask: { workerCpuUs: number; redisCpuUs: number }, cores: number): Ceilings {
  const total = perTask.workerCpuUs + perTask.redisCpuUs;
  return {
    redis: perTask.redisCpuUs > 0 ? 1e6 / perTask.redisCpuUs : Number.NaN,
    machine: total > 0 ? (cores * 1e6) / total : Number.NaN,
  };
}
