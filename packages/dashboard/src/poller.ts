/**
 * What events do not tell: each worker's pool, concurrency, queues and held ETA tasks (remote
 * control: `inspect stats`, `active_queues`, `scheduled`), and each queue's depth, consumers and
 * dead letters (the broker). Run by the instance holding the ingest lease, at a low rate and when a
 * new worker appears; the results go to the store for every instance to read.
 */
import type { Client } from '@celerity/client';
import type { Logger } from '@celerity/core';
import type { Queue } from './contract.js';
import type { DashboardStore, WorkerInfo } from './store.js';
import { workers as storedWorkers } from './store-queries.js';
import { isWorkerOnline } from '@celerity/core/internal';

/**
 * The pool's name from `inspect stats`: its `implementation` where the worker sends one
 * (`celery.concurrency.prefork:TaskPool` → `prefork`, `celerity:AsyncPool` → `async`); else, as
 * Celery 5.2's pools describe themselves without it, `solo` when the only process is the worker
 * itself, `prefork` when it lists child processes, `threads` when it counts threads.
 */
export function poolName(pool: Record<string, unknown>, pid?: unknown): string | null {
  const implementation = pool['implementation'];
  if (typeof implementation === 'string') {
    const celery = /^celery\.concurrency\.([a-z_]+)/.exec(implementation);
    if (celery) return celery[1]!;
    const celerity = /^celerity:([A-Za-z]+)Pool$/.exec(implementation);
    if (celerity) return celerity[1]!.toLowerCase();
    return implementation;
  }
  const processes = pool['processes'];
  if (Array.isArray(processes)) return processes.length === 1 && processes[0] === pid ? 'solo' : 'prefork';
  if (typeof pool['threads'] === 'number') return 'threads';
  return null;
}

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});

/** The queue a held ETA task came from (`request.delivery_info.routing_key`). */
function queueOfScheduled(entry: unknown): string | null {
  const info = record(record(record(entry)['request'])['delivery_info']);
  const key = info['routing_key'];
  return typeof key === 'string' ? key : null;
}

export interface PollOptions {
  /** Seconds to collect control replies for. */
  replyTimeout: number;
  /** Queues always shown, besides those the workers consume and tasks were sent to. */
  queues: readonly string[];
}

/**
 * Runs control calls that collect replies one at a time: they share the client's reply queue, and
 * on Redis concurrent readers of one reply list take each other's replies.
 */
export type SerialControl = <T>(call: () => Promise<T>) => Promise<T>;

/** A {@link SerialControl}: each call starts when the previous one ended. */
export function serialControl(): SerialControl {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(call: () => Promise<T>): Promise<T> => {
    const next = last.then(call, call);
    last = next.catch(() => undefined);
    return next;
  };
}

/** Asks the workers and the broker, and stores what they say. `now` in seconds. */
/** `token` is the ingest lease's: the answers are stored only while it holds. */
export async function pollOnce(client: Client, store: DashboardStore, token: string, options: PollOptions, now: number, logger: Logger, serial: SerialControl): Promise<void> {
  const inspect = client.control.inspect({ timeout: options.replyTimeout });
  const stats = await serial(() => inspect.stats());
  const activeQueues = await serial(() => inspect.activeQueues());
  const scheduled = await serial(() => inspect.scheduled());
  const hostnames = new Set([...Object.keys(stats), ...Object.keys(activeQueues)]);
  const infos = new Map<string, WorkerInfo>();
  for (const hostname of hostnames) {
    const stat = record(stats[hostname]);
    const pool = record(stat['pool']);
    const concurrency = pool['max-concurrency'];
    const scheduledByQueue: Record<string, number> = {};
    for (const entry of scheduled[hostname] ?? []) {
      const queue = queueOfScheduled(entry);
      if (queue !== null) scheduledByQueue[queue] = (scheduledByQueue[queue] ?? 0) + 1;
    }
    const info: WorkerInfo = {
      pool: poolName(pool, stat['pid']),
      concurrency: typeof concurrency === 'number' ? concurrency : null,
      queues: (activeQueues[hostname] ?? []).map((q) => q['name']).filter((n): n is string => typeof n === 'string'),
      scheduledByQueue,
      polledAt: now,
    };
    infos.set(hostname, info);
    await store.writeWorkerInfo(token, hostname, info);
  }

  const { records, info: storedInfo } = await storedWorkers(store);
  for (const [hostname, info] of infos) storedInfo.set(hostname, info);
  const online = new Set(records.filter((r) => isWorkerOnline(r, now)).map((r) => r.hostname));
  // Workers that answered are online even when their events are off.
  for (const hostname of infos.keys()) online.add(hostname);
  const known = await store.redis.zrange(store.keys.knownQueues, '0', '-1');
  const names = new Set([...options.queues, ...known]);
  for (const [hostname, info] of storedInfo) if (online.has(hostname)) for (const q of info.queues) names.add(q);

  const broker = client.broker;
  const queues: Queue[] = [];
  for (const name of [...names].sort()) {
    let consumers = 0;
    let heldEta = 0;
    for (const [hostname, info] of storedInfo) {
      if (!online.has(hostname)) continue;
      if (info.queues.includes(name)) consumers++;
      heldEta += info.scheduledByQueue[name] ?? 0;
    }
    const depth = await broker.size(name).catch((error: unknown) => {
      logger.warn(`dashboard: size of queue ${name}: ${(error as Error).message}`);
      return null;
    });
    const byPriority = broker.sizeByPriority ? await broker.sizeByPriority(name).catch(() => null) : null;
    const deadLetters = broker.deadLetters ? await broker.deadLetters.count(name).catch(() => null) : null;
    queues.push({ name, depth, byPriority, consumers, heldEta, deadLetters });
  }
  await store.writeQueues(token, queues, now);
}
