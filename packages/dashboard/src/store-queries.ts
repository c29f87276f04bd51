/**
 * Reading the store: task lists (newest first, filtered), one task with its events, the tasks of a
 * workflow, what changed since a change number, and the series of a time window.
 */
import type { DashboardStore, WorkerInfo } from './store.js';
import { COUNTER_STEP, RUNTIME_STEP, bucketOf } from './store-keys.js';
import type { Queue, Series, TaskEventEntry, TaskSummary } from './contract.js';
import type { WorkerRecord } from '@celerity/core/internal';
import { parseWorkerRecord } from './worker-record.js';

/** A task as stored: the summary's fields plus the detail's. */
export interface StoredTask extends TaskSummary {
  kwargs: string | null;
  traceback: string | null;
  parentId: string | null;
  rootId: string | null;
  queue: string | null;
}

/** Filters of {@link listTasks}. */
export interface TaskFilter {
  /** A task id, or a part of a task name. */
  q?: string;
  state?: string;
  /** Exact task name. */
  name?: string;
  /** @default 100 */
  limit?: number;
  /** Only tasks updated before this time (paging). */
  before?: number;
}

const PREVIEW = 200;
const preview = (text: string | null): string | null => (text === null || text.length <= PREVIEW ? text : `${text.slice(0, PREVIEW - 1)}…`);
const numberOf = (text: string | undefined): number | null => {
  if (text === undefined || text === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
};

/** A stored hash as a task, null when empty (trimmed or expired). */
export function taskFromHash(hash: Record<string, string>): StoredTask | null {
  if (hash['id'] === undefined) return null;
  const text = (field: string): string | null => hash[field] ?? null;
  return {
    id: hash['id'],
    name: text('name'),
    state: hash['state'] ?? 'PENDING',
    worker: text('worker'),
    received: numberOf(hash['received']),
    started: numberOf(hash['started']),
    runtime: numberOf(hash['runtime']),
    args: text('args'),
    result: text('result'),
    exception: text('exception'),
    updated: numberOf(hash['updated']) ?? 0,
    kwargs: text('kwargs'),
    traceback: text('traceback'),
    parentId: text('parentId'),
    rootId: text('rootId'),
    queue: text('queue'),
  };
}

/** The summary the list and the stream show: previews of args and result. */
export function summaryOf(task: StoredTask): TaskSummary {
  return {
    id: task.id,
    name: task.name,
    state: task.state,
    worker: task.worker,
    received: task.received,
    started: task.started,
    runtime: task.runtime,
    args: preview(task.args),
    result: preview(task.result),
    exception: preview(task.exception),
    updated: task.updated,
  };
}

export async function readTasks(store: DashboardStore, ids: readonly string[]): Promise<StoredTask[]> {
  if (ids.length === 0) return [];
  const pipeline = store.redis.pipeline();
  for (const id of ids) pipeline.hgetall(store.keys.task(id));
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([, hash]) => taskFromHash((hash ?? {}) as Record<string, string>)).filter((t): t is StoredTask => t !== null);
}

export async function getTask(store: DashboardStore, id: string): Promise<StoredTask | null> {
  return (await readTasks(store, [id]))[0] ?? null;
}

/** Tasks newest first, filtered; pages through the index until `limit` match or it ends. */
export async function listTasks(store: DashboardStore, filter: TaskFilter = {}): Promise<TaskSummary[]> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
  const q = filter.q?.trim().toLowerCase() ?? '';
  const matches = (t: StoredTask): boolean =>
    (filter.state === undefined || t.state === filter.state) &&
    (filter.name === undefined || t.name === filter.name) &&
    (q === '' || t.id.toLowerCase() === q || t.id.toLowerCase().startsWith(q) || (t.name ?? '').toLowerCase().includes(q));
  const found: TaskSummary[] = [];
  let max = filter.before === undefined ? '+inf' : `(${filter.before}`;
  // A state has its own index; a name or a search pages through the index until enough match.
  const index = filter.state === undefined ? store.keys.tasks : store.keys.byState(filter.state);
  const page = q === '' && filter.name === undefined ? limit : 500;
  for (;;) {
    const ids = await store.redis.zrevrangebyscore(index, max, '-inf', 'LIMIT', 0, page);
    if (ids.length === 0) return found;
    const tasks = await readTasks(store, ids);
    for (const task of tasks) {
      if (matches(task)) found.push(summaryOf(task));
      if (found.length >= limit) return found;
    }
    if (ids.length < page) return found;
    // Ties at the page's last score: the next page starts strictly below it (rare: equal float times).
    max = `(${tasks.at(-1)?.updated ?? 0}`;
  }
}

/** A task's events, oldest first. */
export async function taskEvents(store: DashboardStore, id: string): Promise<TaskEventEntry[]> {
  const texts = await store.redis.lrange(store.keys.events(id), 0, -1);
  return texts.map((text) => JSON.parse(text) as TaskEventEntry);
}

/** The stored tasks of a workflow (same root id). */
export async function workflowTasks(store: DashboardStore, rootId: string, cap = 1000): Promise<StoredTask[]> {
  const ids = await store.redis.srandmember(store.keys.root(rootId), cap);
  return readTasks(store, [...new Set([rootId, ...ids])]);
}

/** The current change number. */
export async function changeNumber(store: DashboardStore): Promise<number> {
  return Number((await store.redis.get(store.keys.seq)) ?? 0);
}

/** Tasks changed after change number `since` (the latest `limit` of them, newest first), and the number reached. */
export async function changedSince(store: DashboardStore, since: number, limit = 500): Promise<{ seq: number; tasks: TaskSummary[] }> {
  const entries = await store.redis.zrevrangebyscore(store.keys.changes, '+inf', `(${since}`, 'WITHSCORES', 'LIMIT', 0, limit);
  if (entries.length === 0) return { seq: since, tasks: [] };
  const ids: string[] = [];
  for (let i = 0; i < entries.length; i += 2) ids.push(entries[i]!);
  const tasks = await readTasks(store, ids);
  return { seq: Number(entries[1]), tasks: tasks.map(summaryOf) };
}

export async function totals(store: DashboardStore): Promise<{ received: number; succeeded: number; failed: number }> {
  const hash = await store.redis.hgetall(store.keys.totals);
  return { received: Number(hash['received'] ?? 0), succeeded: Number(hash['succeeded'] ?? 0), failed: Number(hash['failed'] ?? 0) };
}

export async function workers(store: DashboardStore): Promise<{ records: WorkerRecord[]; info: Map<string, WorkerInfo> }> {
  const [records, info] = await Promise.all([store.redis.hgetall(store.keys.workers), store.redis.hgetall(store.keys.workerInfo)]);
  return {
    records: Object.values(records).map(parseWorkerRecord).filter((r): r is WorkerRecord => r !== null),
    info: new Map(Object.entries(info).map(([hostname, text]) => [hostname, JSON.parse(text) as WorkerInfo])),
  };
}

export async function queueSnapshot(store: DashboardStore): Promise<Queue[]> {
  const text = await store.redis.hget(store.keys.snapshots, 'queues');
  return text === null ? [] : (JSON.parse(text) as { queues: Queue[] }).queues;
}

/** The value at quantile `q` (0–1) of sorted numbers (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Throughput, runtime percentiles by task name and queue depths over the last `minutes` (now in seconds). */
export async function series(store: DashboardStore, minutes: number, now: number): Promise<Series> {
  const window = Math.min(Math.max(minutes, 1), store.retention.maxAgeSeconds / 60) * 60;
  // At most ~180 points: 10 s buckets up to 30 minutes, wider ones beyond.
  const step = Math.max(COUNTER_STEP, Math.ceil(window / 180 / COUNTER_STEP) * COUNTER_STEP);
  const first = bucketOf(now - window, COUNTER_STEP) + COUNTER_STEP;
  const buckets: number[] = [];
  for (let b = first; b <= now; b += COUNTER_STEP) buckets.push(b);
  const pipeline = store.redis.pipeline();
  for (const b of buckets) pipeline.hgetall(store.keys.counters(b)).hgetall(store.keys.depths(b));
  const runtimeBuckets: number[] = [];
  for (let b = bucketOf(now - window, RUNTIME_STEP); b <= now; b += RUNTIME_STEP) runtimeBuckets.push(b);
  for (const b of runtimeBuckets) pipeline.lrange(store.keys.runtimes(b), 0, -1);
  const replies = ((await pipeline.exec()) ?? []).map(([, value]) => value);

  const throughput = new Map<number, { t: number; succeeded: number; failed: number }>();
  const depths = new Map<string, { t: number; queue: string; depth: number }>();
  buckets.forEach((b, i) => {
    const t = bucketOf(b, step);
    const counts = (replies[i * 2] ?? {}) as Record<string, string>;
    const point = throughput.get(t) ?? { t, succeeded: 0, failed: 0 };
    point.succeeded += Number(counts['succeeded'] ?? 0);
    point.failed += Number(counts['failed'] ?? 0);
    throughput.set(t, point);
    // A wider step shows each queue's last sample within it.
    for (const [queue, depth] of Object.entries((replies[i * 2 + 1] ?? {}) as Record<string, string>)) depths.set(`${t}\0${queue}`, { t, queue, depth: Number(depth) });
  });
  const byName = new Map<string, number[]>();
  runtimeBuckets.forEach((_, j) => {
    for (const line of (replies[buckets.length * 2 + j] ?? []) as string[]) {
      const tab = line.indexOf('\t');
      const runtime = Number(line.slice(0, tab));
      const name = line.slice(tab + 1) || '(unknown)';
      if (!Number.isFinite(runtime)) continue;
      const values = byName.get(name);
      if (values === undefined) byName.set(name, [runtime]);
      else values.push(runtime);
    }
  });
  const runtime = [...byName].map(([name, values]) => {
    const sorted = values.sort((a, b) => a - b);
    return { name, count: sorted.length, p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99) };
  });
  runtime.sort((a, b) => a.name.localeCompare(b.name));
  return { step, throughput: [...throughput.values()], runtime, queueDepth: [...depths.values()] };
}
