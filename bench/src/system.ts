/**
 * The one interface every benchmarked queue implements. Producers run in the bench process; workers
 * always run in a child process (see `worker-process.ts`) so their CPU and memory are their own.
 */
import { scanKeys } from '@celerity/testing/redis';
import type { Redis } from 'ioredis';

/** Names accepted by `--only`. */
export const SYSTEM_NAMES = ['bullmq', 'bee-queue', 'celery-node', 'raw-ioredis', 'raw-ioredis-x100', 'celerity'] as const;
/** One of {@link SYSTEM_NAMES}. */
export type SystemName = (typeof SYSTEM_NAMES)[number];

/** Where a system runs: the bench's private Redis and the queue name every system uses. */
export interface BenchTarget {
  /** `redis://127.0.0.1:<port>` (db 0; the bench flushes it between runs). */
  redisUrl: string;
  /** Queue name, the same for every system. @default 'bench' */
  queue: string;
}

/** The producer side of a system, connected and ready. */
export interface Producer {
  /** Enqueues `count` `add(i, i)` jobs, each send awaited before the next. Absent when the system is a variant with the same producer as another. */
  enqueueOne?(count: number): Promise<void>;
  /** Enqueues `count` `add(i, i)` jobs with the system's bulk API, `batchSize` per call. */
  enqueueBulk(count: number, batchSize: number): Promise<void>;
  /** Sends `add(x, y)` and resolves with the result once the worker stored it. */
  roundTrip(x: number, y: number): Promise<number>;
  close(): Promise<void>;
}

/** A benchmarked queue. */
export interface BenchSystem {
  readonly name: SystemName;
  /** Package and version, e.g. `bullmq 6.7.0`. */
  readonly label: string;
  /** The worker module under `src/workers/` run in the child process. */
  readonly workerModule: string;
  /** Caveats printed under the report table (what differs from the others, and why). */
  readonly notes: readonly string[];
  openProducer(target: BenchTarget): Promise<Producer>;
  /** How many results of processed jobs the system holds in Redis (checks that results were kept). */
  countResults(redis: Redis, target: BenchTarget): Promise<number>;
}

/** Counts keys matching a glob with SCAN (the bench's own server: no other keys to skip). */
export async function countKeys(redis: Redis, pattern: string): Promise<number> {
  return new Set(await scanKeys(redis, pattern, 5000)).size;
}
