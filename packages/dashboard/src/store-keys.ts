/**
 * The keys of the dashboard's store in Redis, all under one prefix, so several dashboards (and
 * tests) share or separate their history by prefix. Counters and samples are kept per time bucket.
 */

/** Seconds per bucket of the throughput counters and the queue depth samples. */
export const COUNTER_STEP = 10;
/** Seconds per bucket of the runtime samples. */
export const RUNTIME_STEP = 60;

export interface StoreKeys {
  /** The ingest lease: the token of the instance writing events. */
  lease: string;
  /** The CSRF token every instance hands out. */
  csrf: string;
  /** Change counter: each task write gets the next number. */
  seq: string;
  /** Task ids by last update time (seconds). */
  tasks: string;
  /** Task ids by change number: what changed since a number. */
  changes: string;
  /** Lifetime counts: received, succeeded, failed. */
  totals: string;
  /** Workers as heard from events: hostname → JSON. */
  workers: string;
  /** Workers as answered by remote control: hostname → JSON. */
  workerInfo: string;
  /** The last snapshots (field `queues`: the queue list as JSON). */
  snapshots: string;
  /** Queues named by task-sent events, by when (seconds). */
  knownQueues: string;
  /** Task ids in one state, by update time. */
  byState(state: string): string;
  task(id: string): string;
  events(id: string): string;
  /** Ids of the tasks of one workflow (root id). */
  root(rootId: string): string;
  counters(bucket: number): string;
  runtimes(bucket: number): string;
  depths(bucket: number): string;
}

export function storeKeys(prefix: string): StoreKeys {
  return {
    lease: `${prefix}lease`,
    csrf: `${prefix}csrf`,
    seq: `${prefix}seq`,
    tasks: `${prefix}tasks`,
    changes: `${prefix}changes`,
    totals: `${prefix}totals`,
    workers: `${prefix}workers`,
    workerInfo: `${prefix}worker-info`,
    snapshots: `${prefix}snapshots`,
    knownQueues: `${prefix}known-queues`,
    byState: (state) => `${prefix}state:${state}`,
    task: (id) => `${prefix}task:${id}`,
    events: (id) => `${prefix}events:${id}`,
    root: (rootId) => `${prefix}root:${rootId}`,
    counters: (bucket) => `${prefix}count:${bucket}`,
    runtimes: (bucket) => `${prefix}runtime:${bucket}`,
    depths: (bucket) => `${prefix}depth:${bucket}`,
  };
}

/** The bucket (its start, in whole seconds) a time falls in. */
export function bucketOf(seconds: number, step: number): number {
  return Math.floor(seconds / step) * step;
}
