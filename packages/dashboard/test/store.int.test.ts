// The store on a real Redis: merging events (out of order too), bounded history (maxTasks, maxAge),
// the fenced writes of the ingest lease and its takeover, change numbers, lists and series.
import { afterAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { IngestLease } from '../src/ingest-lease.js';
import { changeNumber, changedSince, getTask, listTasks, series, taskEvents, totals } from '../src/store-queries.js';
import { ev, openStore, usePrefixes } from './store-helpers.js';

const newPrefix = usePrefixes();
const connections: Redis[] = [];
afterAll(() => connections.forEach((r) => r.disconnect()));
const open: typeof openStore = async (...args) => {
  const opened = await openStore(...args);
  connections.push(opened.redis);
  return opened;
};

describe('the task store', () => {
  it('merges a task’s events; a late event of an earlier state does not undo its end', async () => {
    const { store, write } = await open(newPrefix());
    const T = 1_800_000_100;
    expect(await write([ev('task-received', 'a', { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', root_id: 'a', timestamp: T })])).toBe(true);
    await write([ev('task-succeeded', 'a', { result: '3', runtime: 0.5, timestamp: T + 2 })]);
    // task-started arrives after task-succeeded (another connection, a slow network).
    await write([ev('task-started', 'a', { timestamp: T + 1 })]);
    const task = await getTask(store, 'a');
    expect(task).toMatchObject({ id: 'a', name: 'tasks.add', state: 'SUCCESS', worker: 'w@test', received: T, started: T + 1, runtime: 0.5, args: '(1, 2)', result: '3', updated: T + 2, rootId: 'a' });
    expect((await taskEvents(store, 'a')).map((e) => e.type)).toEqual(['task-received', 'task-succeeded', 'task-started']);
    expect(await totals(store)).toEqual({ received: 1, succeeded: 1, failed: 0 });
    // Each state has its own index: the task is in SUCCESS's only.
    expect((await listTasks(store, { state: 'SUCCESS' })).map((t) => t.id)).toEqual(['a']);
    expect(await listTasks(store, { state: 'RECEIVED' })).toEqual([]);
    expect(await listTasks(store, { state: 'STARTED' })).toEqual([]);
    // task-sent (the sender's clock, sent after the publish) may come after the worker's events.
    await write([ev('task-received', 's', { name: 'x', timestamp: T }), ev('task-started', 's', { timestamp: T + 1 }), ev('task-sent', 's', { queue: 'q', timestamp: T + 2 })]);
    expect(await getTask(store, 's')).toMatchObject({ state: 'STARTED', queue: 'q', updated: T + 2 });
    // … or before them, with a later time than theirs.
    await write([ev('task-sent', 'p', { name: 'x', timestamp: T + 5 }), ev('task-received', 'p', { timestamp: T + 3 }), ev('task-started', 'p', { timestamp: T + 4 })]);
    expect(await getTask(store, 'p')).toMatchObject({ state: 'STARTED', updated: T + 5 });
    // A retried task goes back to an unfinished state in time order.
    await write([ev('task-received', 'r', { name: 'x', timestamp: T }), ev('task-retried', 'r', { exception: 'E()', timestamp: T + 1 }), ev('task-started', 'r', { timestamp: T + 3 })]);
    expect((await getTask(store, 'r'))?.state).toBe('STARTED');
  });

  it('lists newest first, filtered by id, name part, state and exact name, and pages with before', async () => {
    const { store, write } = await open(newPrefix());
    const T = 1_800_000_200;
    await write([
      ev('task-received', 'id-1', { name: 'images.resize', timestamp: T + 1 }),
      ev('task-received', 'id-2', { name: 'tasks.add', timestamp: T + 2 }),
      ev('task-failed', 'id-2', { exception: "ValueError('x')", traceback: 'Traceback…', timestamp: T + 3 }),
      ev('task-received', 'id-3', { name: 'tasks.add', args: `('${'x'.repeat(300)}',)`, timestamp: T + 4 }),
    ]);
    expect((await listTasks(store)).map((t) => t.id)).toEqual(['id-3', 'id-2', 'id-1']);
    expect((await listTasks(store, { q: 'IMAGES' })).map((t) => t.id)).toEqual(['id-1']);
    expect((await listTasks(store, { q: 'id-2' })).map((t) => t.id)).toEqual(['id-2']);
    expect((await listTasks(store, { state: 'FAILURE' })).map((t) => [t.id, t.exception])).toEqual([['id-2', "ValueError('x')"]]);
    expect((await listTasks(store, { name: 'tasks.add', limit: 1 })).map((t) => t.id)).toEqual(['id-3']);
    expect((await listTasks(store, { before: T + 3 })).map((t) => t.id)).toEqual(['id-1']);
    const [long] = await listTasks(store, { limit: 1 });
    expect(long!.args!.length).toBe(200);
    expect(long!.args!.endsWith('…')).toBe(true);
  });

  it('keeps at most maxTasks, the most recently updated', async () => {
    const { store, write, redis } = await open(newPrefix(), { maxTasks: 3 });
    const T = 1_800_000_300;
    await write([1, 2, 3, 4, 5].map((n) => ev('task-received', `t${n}`, { name: 'x', timestamp: T + n })));
    expect(await store.trim(T + 10)).toBe(2);
    expect((await listTasks(store)).map((t) => t.id)).toEqual(['t5', 't4', 't3']);
    expect(await redis.exists(store.keys.task('t1'), store.keys.events('t1'), store.keys.task('t2'))).toBe(0);
    expect(await redis.zcard(store.keys.changes)).toBe(3);
    expect(await redis.zrange(store.keys.byState('RECEIVED'), '0', '-1')).toEqual(['t3', 't4', 't5']);
  });

  it('drops tasks not updated for maxAgeSeconds, and their keys expire by then anyway', async () => {
    const { store, write, redis } = await open(newPrefix(), { maxAgeSeconds: 60 });
    const T = 1_800_000_400;
    await write([ev('task-received', 'old', { name: 'x', timestamp: T }), ev('task-received', 'new', { name: 'x', timestamp: T + 50 })]);
    const ttl = await redis.ttl(store.keys.task('old'));
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await store.trim(T + 55)).toBe(0);
    await store.addKnownQueue('old-queue', T);
    await store.addKnownQueue('new-queue', T + 50);
    expect(await store.trim(T + 61)).toBe(1);
    expect(await redis.zrange(store.keys.knownQueues, '0', '-1')).toEqual(['new-queue']);
    expect((await listTasks(store)).map((t) => t.id)).toEqual(['new']);
  });

  it('counts throughput and runtimes per bucket for the series', async () => {
    const { store, write, lease } = await open(newPrefix());
    const now = Math.floor(Date.now() / 1000);
    await write([
      ev('task-received', 's1', { name: 'tasks.add', timestamp: now - 30 }),
      ev('task-succeeded', 's1', { runtime: 0.1, timestamp: now - 29 }),
      ev('task-received', 's2', { name: 'tasks.add', timestamp: now - 20 }),
      ev('task-succeeded', 's2', { runtime: 0.3, timestamp: now - 19 }),
      ev('task-received', 's3', { name: 'tasks.mul', timestamp: now - 5 }),
      ev('task-failed', 's3', { exception: 'E()', timestamp: now - 4 }),
    ]);
    expect(await store.writeQueues(lease.token, [{ name: 'celery', depth: 7, byPriority: null, consumers: 1, heldEta: 0, deadLetters: null }], now)).toBe(true);
    const s = await series(store, 15, now);
    expect(s.step).toBe(10);
    expect(s.throughput.length).toBe(90);
    expect(s.throughput.reduce((sum, p) => sum + p.succeeded, 0)).toBe(2);
    expect(s.throughput.reduce((sum, p) => sum + p.failed, 0)).toBe(1);
    expect(s.runtime).toEqual([{ name: 'tasks.add', count: 2, p50: 0.1, p90: 0.3, p99: 0.3 }]);
    expect(s.queueDepth).toEqual([{ t: Math.floor(now / 10) * 10, queue: 'celery', depth: 7 }]);
    expect((await series(store, 120, now)).step).toBe(40);
  });

  it('tells what changed since a change number', async () => {
    const { store, write } = await open(newPrefix());
    await write([ev('task-received', 'c1', { name: 'x' })]);
    const seq = await changeNumber(store);
    await write([ev('task-received', 'c2', { name: 'x' }), ev('task-started', 'c2'), ev('task-received', 'c3', { name: 'x' })]);
    const changed = await changedSince(store, seq);
    expect(changed.tasks.map((t) => t.id).sort()).toEqual(['c2', 'c3']);
    expect(changed.seq).toBe(seq + 3);
    expect((await changedSince(store, changed.seq)).tasks).toEqual([]);
  });
});

describe('the ingest lease', () => {
  it('one holder at a time; a holder that stops renewing is replaced within the lease, and its writes are refused', async () => {
    const prefix = newPrefix();
    const a = await open(prefix);
    expect(a.lease.held).toBe(true);
    const b = new IngestLease(a.redis, a.store.keys.lease, 300);
    expect(await b.refresh()).toBe(false);
    // a "dies": it stops renewing. Its 5 s lease is cut short here to keep the test fast.
    await a.redis.pexpire(a.store.keys.lease, 300);
    const deadline = Date.now() + 2000;
    while (!(await b.refresh())) {
      if (Date.now() > deadline) throw new Error('b never took the lease over');
      await new Promise((r) => setTimeout(r, 50));
    }
    // a comes back without knowing: its writes are fenced off, nothing is counted twice.
    expect(await a.write([ev('task-received', 'late', { name: 'x' })])).toBe(false);
    expect(await getTask(a.store, 'late')).toBeNull();
    const record = { hostname: 'w@late', lastSeen: 1, freq: 2, offline: false, active: null, processed: null, loadavg: null, software: null, ident: null };
    expect(await a.store.writeWorker(a.lease.token, record)).toBe(false);
    expect(await a.store.writeQueues(a.lease.token, [], 1)).toBe(false);
    expect(await a.redis.hget(a.store.keys.workers, 'w@late')).toBeNull();
    expect(await a.store.writeWorker(b.token, record)).toBe(true);
    expect(await a.lease.refresh()).toBe(false);
    // b gives it up on close: a takes it at once.
    await b.release();
    expect(await a.lease.refresh()).toBe(true);
  });
});
