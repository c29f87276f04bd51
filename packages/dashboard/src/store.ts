/**
 * The dashboard's task history in Redis: a hash per task (its fields and state), its last events,
 * a sorted set by update time, change numbers for the live stream, per-bucket counters and runtime
 * samples, workers and queue snapshots. Bounded: tasks beyond `maxTasks` or not updated for
 * `maxAgeSeconds` are trimmed, and every key expires after `maxAgeSeconds` without writes.
 * Writes go through the ingest lease's token (see ingest-lease.ts); reads are in store-queries.ts.
 */
import type { Redis } from 'ioredis';
import { defineScript, runScript } from '@celerity/redis-common/internal';
import { APPLY_TASK_EVENT, FENCED_SET } from './store-scripts.js';
import { COUNTER_STEP, RUNTIME_STEP, bucketOf, storeKeys, type StoreKeys } from './store-keys.js';
import type { TaskUpdate } from './task-update.js';
import type { WorkerRecord } from '@celerity/core/internal';
import type { Queue } from './contract.js';

/** Every state a task can be stored in (Celery's names), each with its own sorted set. */
export const TASK_STATES = ['PENDING', 'RECEIVED', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REJECTED', 'REVOKED'] as const;

/** How much history the store keeps. */
export interface Retention {
  /** Most tasks kept; the least recently updated go first. @default 10000 */
  maxTasks?: number;
  /** Seconds a task (and a series bucket) is kept after its last update. @default 86400 */
  maxAgeSeconds?: number;
}

export const DEFAULT_RETENTION: Required<Retention> = { maxTasks: 10_000, maxAgeSeconds: 24 * 3600 };
/** Events kept per task (a retried task has more). */
const EVENTS_PER_TASK = 50;
/** Runtime samples kept per minute bucket. */
const RUNTIMES_PER_BUCKET = 2000;

const APPLY = defineScript('dashboard-apply-task-event', APPLY_TASK_EVENT);
const SET = defineScript('dashboard-fenced-set', FENCED_SET);

/** What the remote-control poll learned about a worker. */
export interface WorkerInfo {
  pool: string | null;
  concurrency: number | null;
  queues: string[];
  /** ETA tasks held, by queue. */
  scheduledByQueue: Record<string, number>;
  /** Seconds since the epoch of the poll. */
  polledAt: number;
}

export class DashboardStore {
  readonly keys: StoreKeys;
  readonly retention: Required<Retention>;

  constructor(
    readonly redis: Redis,
    readonly prefix: string,
    retention: Retention = {},
  ) {
    this.keys = storeKeys(prefix);
    this.retention = { ...DEFAULT_RETENTION, ...retention };
  }

  /**
   * Writes task events under the lease `token`. Resolves with false when the lease is held by
   * another token (nothing was written by those calls).
   */
  async applyTaskUpdates(token: string, updates: readonly TaskUpdate[]): Promise<boolean> {
    const k = this.keys;
    const ttl = this.retention.maxAgeSeconds;
    const results = await Promise.all(
      updates.map((u) =>
        runScript(
          this.redis,
          APPLY,
          [k.lease, k.task(u.id), k.events(u.id), k.tasks, k.changes, k.seq, k.root(u.rootId ?? u.id), k.totals, k.counters(bucketOf(u.timestamp, COUNTER_STEP)), k.runtimes(bucketOf(u.timestamp, RUNTIME_STEP))],
          [token, u.id, String(u.timestamp), u.state, JSON.stringify(u.fields), JSON.stringify(u.entry), ttl, EVENTS_PER_TASK, u.counter ?? '', u.runtime === null ? '' : String(u.runtime), u.rootId ?? '', RUNTIMES_PER_BUCKET, this.prefix],
        ),
      ),
    );
    return results.every((r) => Number(r) === 1);
  }

  /** Stores a worker as heard from its events, under the lease `token`; false when not held. */
  async writeWorker(token: string, record: WorkerRecord): Promise<boolean> {
    return Number(await runScript(this.redis, SET, [this.keys.lease, this.keys.workers], [token, record.hostname, JSON.stringify(record)])) === 1;
  }

  /** Stores what a worker answered to the remote-control poll, under the lease `token`. */
  async writeWorkerInfo(token: string, hostname: string, info: WorkerInfo): Promise<boolean> {
    return Number(await runScript(this.redis, SET, [this.keys.lease, this.keys.workerInfo], [token, hostname, JSON.stringify(info)])) === 1;
  }

  /** Stores the queue snapshot and each queue's depth in the current bucket, under the lease `token`. */
  async writeQueues(token: string, queues: readonly Queue[], now: number): Promise<boolean> {
    const depths = queues.filter((q) => q.depth !== null).flatMap((q) => [q.name, String(q.depth)]);
    const keys = [this.keys.lease, this.keys.snapshots, this.keys.depths(bucketOf(now, COUNTER_STEP))];
    const result = await runScript(this.redis, SET, keys, [token, 'queues', JSON.stringify({ at: now, queues }), this.retention.maxAgeSeconds, ...depths]);
    return Number(result) === 1;
  }

  /** Remembers a queue a task was sent to (from task-sent events) at `now` (seconds); trimmed after `maxAgeSeconds`. */
  async addKnownQueue(queue: string, now: number): Promise<void> {
    await this.redis.zadd(this.keys.knownQueues, now, queue);
  }

  /**
   * Removes tasks older than `maxAgeSeconds` (by last update) and the oldest beyond `maxTasks`, and
   * workers not heard from and queues no task was sent to for `maxAgeSeconds`. `now` in seconds. Resolves with how many tasks went.
   */
  async trim(now: number): Promise<number> {
    const k = this.keys;
    const cutoff = now - this.retention.maxAgeSeconds;
    const old = await this.redis.zrangebyscore(k.tasks, '-inf', `(${cutoff}`);
    const count = (await this.redis.zcard(k.tasks)) - old.length;
    const excess = count > this.retention.maxTasks ? await this.redis.zrange(k.tasks, String(old.length), String(old.length + count - this.retention.maxTasks - 1)) : [];
    const gone = [...old, ...excess];
    for (let at = 0; at < gone.length; at += 500) {
      const ids = gone.slice(at, at + 500);
      const multi = this.redis.multi();
      for (const id of ids) multi.del(k.task(id), k.events(id));
      multi.zrem(k.tasks, ...ids);
      multi.zrem(k.changes, ...ids);
      for (const state of TASK_STATES) multi.zrem(k.byState(state), ...ids);
      await multi.exec();
    }
    await this.redis.zremrangebyscore(k.knownQueues, '-inf', `(${cutoff}`);
    const workers = await this.redis.hgetall(k.workers);
    const stale = Object.entries(workers).filter(([, text]) => {
      const seen = (JSON.parse(text) as { lastSeen?: unknown }).lastSeen;
      return typeof seen !== 'number' || seen < cutoff;
    });
    if (stale.length > 0) {
      const names = stale.map(([hostname]) => hostname);
      await this.redis.multi().hdel(k.workers, ...names).hdel(k.workerInfo, ...names).exec();
    }
    return gone.length;
  }

  /** The CSRF token all instances hand out: created by the first, read by the others. */
  async csrfToken(fresh: string): Promise<string> {
    await this.redis.set(this.keys.csrf, fresh, 'NX');
    return (await this.redis.get(this.keys.csrf)) ?? fresh;
  }
}
