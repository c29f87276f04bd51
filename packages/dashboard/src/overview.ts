/** The overview (`GET /api/overview`, the stream's `overview` event) from the store. */
import type { Overview, Worker } from './contract.js';
import type { DashboardStore } from './store.js';
import { queueSnapshot, totals, workers } from './store-queries.js';
import { isWorkerOnline } from '@celerity/core/internal';
import { languageOf } from './worker-record.js';

/** `now` in seconds. */
export async function readOverview(store: DashboardStore, now: number): Promise<Overview> {
  const [{ records, info }, queues, counts] = await Promise.all([workers(store), queueSnapshot(store), totals(store)]);
  const list: Worker[] = records.map((r) => {
    const polled = info.get(r.hostname);
    return {
      hostname: r.hostname,
      online: isWorkerOnline(r, now),
      heartbeatAge: Math.max(0, now - r.lastSeen),
      language: languageOf(r.ident),
      software: r.software,
      pool: polled?.pool ?? null,
      concurrency: polled?.concurrency ?? null,
      active: r.active,
      processed: r.processed,
      loadavg: r.loadavg,
      queues: polled?.queues ?? [],
    };
  });
  // Workers that answer remote control but send no events (started without -E).
  for (const [hostname, polled] of info) {
    if (records.some((r) => r.hostname === hostname)) continue;
    const fresh = now - polled.polledAt <= 60;
    list.push({ hostname, online: fresh, heartbeatAge: null, language: null, software: null, pool: polled.pool, concurrency: polled.concurrency, active: null, processed: null, loadavg: null, queues: polled.queues });
  }
  list.sort((a, b) => a.hostname.localeCompare(b.hostname));
  const active = list.reduce((sum, w) => sum + (w.online ? (w.active ?? 0) : 0), 0);
  return { now, workers: list, queues, totals: { ...counts, active } };
}
