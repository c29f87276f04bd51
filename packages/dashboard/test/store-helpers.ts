/** A store on the local Redis under a key prefix of its own, removed after the file. */
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { deleteKeys, randomSuffix } from '@celerity/testing';
import type { CeleryEvent } from '@celerity/core/internal';
import { IngestLease } from '../src/ingest-lease.js';
import { DashboardStore, type Retention } from '../src/store.js';
import { taskUpdateOf } from '../src/task-update.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A fresh key prefix per call; every prefix made is deleted after the file. */
export function usePrefixes(): () => string {
  const made: string[] = [];
  afterAll(async () => {
    const raw = new Redis(REDIS_URL);
    for (const prefix of made) await deleteKeys(raw, `${prefix}*`);
    raw.disconnect();
  });
  return () => {
    const prefix = `celerity-test-dash-${randomSuffix()}:`;
    made.push(prefix);
    return prefix;
  };
}

/** A store with its own connection, holding the ingest lease. */
export async function openStore(prefix: string, retention: Retention = {}): Promise<{ store: DashboardStore; lease: IngestLease; redis: Redis; write(events: CeleryEvent[]): Promise<boolean> }> {
  const redis = new Redis(REDIS_URL);
  const store = new DashboardStore(redis, prefix, retention);
  const lease = new IngestLease(redis, store.keys.lease, 5000);
  await lease.refresh();
  return {
    store,
    lease,
    redis,
    write: (events) => store.applyTaskUpdates(lease.token, events.map((e) => taskUpdateOf(e, 0)!)),
  };
}

let clock = 0;
/** A task event (Lamport-ish timestamps unless given). */
export function ev(type: string, uuid: string, fields: Record<string, unknown> = {}): CeleryEvent {
  return { type, uuid, hostname: 'w@test', utcoffset: 0, pid: 1, clock: ++clock, timestamp: fields['timestamp'] ?? 1_800_000_000 + clock, ...fields } as unknown as CeleryEvent;
}
