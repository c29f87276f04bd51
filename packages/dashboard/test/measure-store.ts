/**
 * A measurement, not a test: how fast the store takes events and answers, on the local Redis.
 * Run: node --conditions=source --import tsx packages/dashboard/test/measure-store.ts
 */
import { Redis } from 'ioredis';
import { deleteKeys } from '@celerity/testing';
import type { CeleryEvent } from '@celerity/core/internal';
import { IngestLease } from '../src/ingest-lease.js';
import { DashboardStore } from '../src/store.js';
import { changedSince, listTasks, series } from '../src/store-queries.js';
import { taskUpdateOf } from '../src/task-update.js';

const redis = new Redis('redis://127.0.0.1:6379');
const prefix = `celerity-measure-dash-${Date.now()}:`;
const store = new DashboardStore(redis, prefix, { maxTasks: 5000 });
const lease = new IngestLease(redis, store.keys.lease, 60_000);
await lease.refresh();
const tasks = 10_000;
const now = Date.now() / 1000;
const events: CeleryEvent[] = [];
for (let i = 0; i < tasks; i++) {
  const uuid = `t-${i}`;
  const t = now - 600 + (i * 600) / tasks;
  const base = { hostname: 'w@bench', utcoffset: 0, pid: 1, clock: i, uuid };
  events.push({ ...base, type: 'task-received', name: `tasks.n${i % 20}`, args: `[${i}, ${i}]`, kwargs: '{}', root_id: uuid, parent_id: null, timestamp: t } as unknown as CeleryEvent);
  events.push({ ...base, type: 'task-started', timestamp: t + 0.001 } as unknown as CeleryEvent);
  events.push({ ...base, type: 'task-succeeded', result: String(2 * i), runtime: 0.001 + (i % 100) / 1000, timestamp: t + 0.002 } as unknown as CeleryEvent);
}
const time = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
  const start = performance.now();
  const value = await run();
  console.log(`${what}: ${(performance.now() - start).toFixed(1)} ms`);
  return value;
};
await time(`write ${events.length} events in batches of 500`, async () => {
  for (let at = 0; at < events.length; at += 500) await store.applyTaskUpdates(lease.token, events.slice(at, at + 500).map((e) => taskUpdateOf(e, now)!));
});
await time('list newest 100', () => listTasks(store, { limit: 100 }));
await time('search a name part matching 1 in 20 (limit 100)', () => listTasks(store, { q: 'n7', limit: 100 }));
await time('search by state with no match (scans all)', () => listTasks(store, { state: 'FAILURE' }));
await time('changes since 0 (latest 500)', () => changedSince(store, 0));
await time('series, 15 minutes', () => series(store, 15, now));
const removed = await time('trim to maxTasks 5000', () => store.trim(now));
console.log(`trimmed ${removed}`);
await deleteKeys(redis, `${prefix}*`);
redis.disconnect();
