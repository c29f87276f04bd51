// The dashboard against a real Celerity worker on Redis: events ingested into the store, the
// remote-control poll, every API endpoint's shape, the stream's first message, and each action
// doing what it says on the worker and the broker.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetsDir } from '@celerity/dashboard-ui';
import { chain, chord, createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import type { Overview, Series, Session, TaskDetail, TaskSummary } from '../src/contract.js';
import { startLiveCluster, type LiveCluster } from './live-cluster.js';
import { usePrefixes } from './store-helpers.js';

const newPrefix = usePrefixes();
let live: LiveCluster;
beforeAll(async () => {
  live = await startLiveCluster(newPrefix());
}, 60_000);
afterAll(async () => {
  await live?.close();
}, 60_000);

describe('a dashboard over a Celerity worker', () => {
  it('ingests the worker’s events: tasks with their states, the worker online as TypeScript', { timeout: 30_000 }, async () => {
    const result = await live.client.send('dash.add', [2, 3], { queue: live.queue });
    expect(await result.get({ timeout: 10 })).toBe(5);
    const task = await live.taskIn(result.id, 'SUCCESS');
    expect(task).toMatchObject({ id: result.id, name: 'dash.add', worker: live.hostname, args: '[2, 3]', result: '5', exception: null });
    expect(task.runtime).toBeGreaterThanOrEqual(0);
    expect(task.received).toBeLessThanOrEqual(task.started!);
    expect(task.updated).toBeGreaterThanOrEqual(task.started!);

    await live.dashboard.poll();
    const overview = await live.json<Overview>('/api/overview');
    expect(overview.now).toBeCloseTo(Date.now() / 1000, -1);
    const worker = overview.workers.find((w) => w.hostname === live.hostname)!;
    expect(worker).toMatchObject({ online: true, language: 'typescript', software: expect.stringMatching(/^celerity \d+\.\d+\.\d+/), pool: 'async', concurrency: 2, queues: [live.queue] });
    expect(worker.heartbeatAge).toBeGreaterThanOrEqual(0);
    expect(worker.heartbeatAge).toBeLessThan(10);
    const queue = overview.queues.find((q) => q.name === live.queue)!;
    expect(queue).toEqual({ name: live.queue, depth: 0, byPriority: { '0': 0, '3': 0, '6': 0, '9': 0 }, consumers: 1, heldEta: 0, deadLetters: 0 });
    expect(overview.totals.received).toBeGreaterThanOrEqual(1);
    expect(overview.totals.succeeded).toBeGreaterThanOrEqual(1);
  });

  it('answers the session, task list, task page with its events and chain tree, series and 404s', { timeout: 30_000 }, async () => {
    const session = await live.json<Session>('/api/session');
    expect(session).toEqual({ csrfToken: expect.stringMatching(/^[\w-]{20,}$/), authRequired: false, readOnly: false });

    const add = live.client.task<[number, number], number>('dash.add');
    const onQueue = <S extends { options?: Record<string, unknown> }>(sig: S): S => ({ ...sig, options: { ...sig.options, queue: live.queue } });
    const first = await live.client.apply(chain(onQueue(add.s(1, 1)), onQueue(add.s(10))));
    expect(await first.get({ timeout: 10 })).toBe(12);
    const last = await waitFor(async () => (await live.json<{ tasks: TaskSummary[] }>(`/api/tasks?name=dash.add&state=SUCCESS`)).tasks.find((t) => t.args === '[2, 10]'), { timeout: 10_000, interval: 100 });
    const detail = await live.json<TaskDetail>(`/api/tasks/${last.id}`);
    expect(detail).toMatchObject({ id: last.id, name: 'dash.add', state: 'SUCCESS', kwargs: '{}', traceback: null, groupId: null });
    expect(detail.parentId).not.toBeNull();
    expect(detail.rootId).toBe(detail.parentId);
    expect(detail.events.map((e) => e.type)).toEqual(expect.arrayContaining(['task-received', 'task-started', 'task-succeeded']));
    expect(detail.events.every((e) => typeof e.timestamp === 'number')).toBe(true);
    expect(detail.tree).toEqual({ id: detail.rootId, name: 'dash.add', state: 'SUCCESS', kind: 'task', children: [{ id: last.id, name: 'dash.add', state: 'SUCCESS', kind: 'task', children: [] }] });

    const failed = await live.client.send('dash.fail', ['boom'], { queue: live.queue });
    const failure = await live.taskIn(failed.id, 'FAILURE');
    expect(failure.exception).toMatch(/boom/);
    expect((await live.json<TaskDetail>(`/api/tasks/${failed.id}`)).traceback).toMatch(/boom/);
    const byState = await live.json<{ tasks: TaskSummary[] }>('/api/tasks?state=FAILURE&limit=5');
    expect(byState.tasks.map((t) => t.id)).toContain(failed.id);

    const missing = await live.get('/api/tasks/no-such-task');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: expect.stringContaining('no-such-task') });
    expect((await live.get('/api/nothing')).status).toBe(404);

    const s = await live.json<Series>('/api/series?minutes=5');
    expect(s.step).toBe(10);
    expect(s.throughput).toHaveLength(30);
    expect(s.throughput.reduce((sum, p) => sum + p.succeeded, 0)).toBeGreaterThanOrEqual(3);
    expect(s.runtime.find((r) => r.name === 'dash.add')).toMatchObject({ count: expect.any(Number), p50: expect.any(Number), p90: expect.any(Number), p99: expect.any(Number) });
  });

  it('shows queue depth by priority for queues tasks were sent to, and ETA tasks the worker holds', { timeout: 30_000 }, async () => {
    const idle = `idle-${crypto.randomUUID()}`;
    await live.client.send('dash.add', [1, 1], { queue: idle, priority: 0 });
    await live.client.send('dash.add', [1, 1], { queue: idle, priority: 5 });
    const later = await live.client.send('dash.add', [7, 7], { queue: live.queue, countdown: 60 });
    await live.taskIn(later.id, 'RECEIVED');
    await waitFor(async () => (await live.dashboard.store.redis.zscore(live.dashboard.store.keys.knownQueues, idle)) !== null, { timeout: 5000, interval: 50 });
    await live.dashboard.poll();
    const { queues } = await live.json<Overview>('/api/overview');
    expect(queues.find((q) => q.name === idle)).toEqual({ name: idle, depth: 2, byPriority: { '0': 1, '3': 1, '6': 0, '9': 0 }, consumers: 0, heldEta: 0, deadLetters: 0 });
    expect(queues.find((q) => q.name === live.queue)).toMatchObject({ heldEta: 1, consumers: 1 });
    await live.action('revoke', { taskId: later.id });
    await live.action('purge', { queue: idle });
  });

  it('draws a chord: its header members under a chord node, its body as the callback', { timeout: 30_000 }, async () => {
    const add = live.client.task<[number, number], number>('dash.add');
    const sum = live.client.task<[number[]], number>('dash.sum');
    const onQueue = <S extends { options?: Record<string, unknown> }>(sig: S): S => ({ ...sig, options: { ...sig.options, queue: live.queue } });
    const body = await live.client.apply(chord([onQueue(add.s(1, 1)), onQueue(add.s(2, 2))], onQueue(sum.s())));
    expect(await body.get({ timeout: 15 })).toBe(6);
    await live.taskIn(body.id, 'SUCCESS');
    const detail = await live.json<TaskDetail>(`/api/tasks/${body.id}`);
    expect(detail.tree.kind).toBe('chord');
    expect(detail.tree.children.map((c) => [c.kind, c.name, c.state])).toEqual([
      ['task', 'dash.add', 'SUCCESS'],
      ['task', 'dash.add', 'SUCCESS'],
      ['callback', 'dash.sum', 'SUCCESS'],
    ]);
    expect(detail.tree.children[2]!.id).toBe(body.id);
    const member = await live.json<TaskDetail>(`/api/tasks/${detail.tree.children[0]!.id}`);
    expect(member.groupId).toBe(detail.tree.id);
    expect(member.tree).toEqual(detail.tree);
  });

  it('streams Server-Sent Events, an overview first', { timeout: 15_000 }, async () => {
    const controller = new AbortController();
    const res = await live.get('/api/stream', { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const overview = /event: overview\ndata: (.*)\n\n/;
    while (!overview.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    const data = overview.exec(text)![1]!;
    expect((JSON.parse(data) as Overview).workers.some((w) => w.hostname === live.hostname)).toBe(true);
    controller.abort();
  });

  it('serves the page of @celerity/dashboard-ui: index.html for any path, its assets with their types', async () => {
    const index = await readFile(join(assetsDir, 'index.html'), 'utf8');
    for (const path of ['/', '/tasks/anything', '/../../etc/passwd']) {
      const res = await live.get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toBe(index);
    }
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(index)![1]!;
    const asset = await live.get(`/${script}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await asset.text()).toBe(await readFile(join(assetsDir, script), 'utf8'));
  });
});

describe('actions', () => {
  it('revoke with terminate stops a running task', { timeout: 30_000 }, async () => {
    const running = await live.client.send('dash.wait', [20_000], { queue: live.queue });
    await live.taskIn(running.id, 'STARTED');
    const { status, body } = await live.action('revoke', { taskId: running.id, terminate: true });
    expect(status).toBe(200);
    expect(body).toEqual({ ok: true, detail: { taskId: running.id, terminate: true } });
    await live.taskIn(running.id, 'REVOKED', 10_000);
    expect((await live.client.result(running.id).state())).toBe('REVOKED');
  });

  it('retry re-sends a failed task with its name, arguments and queue under a new id', { timeout: 30_000 }, async () => {
    const key = `k-${crypto.randomUUID().slice(0, 6)}`;
    const failed = await live.client.send('dash.flaky', [key], { queue: live.queue });
    await live.taskIn(failed.id, 'FAILURE');
    // What the retry reads first: the backend's extended record.
    expect(await live.client.backend!.get(failed.id)).toMatchObject({ name: 'dash.flaky', args: [key], queue: live.queue });
    const { status, body } = await live.action('retry', { taskId: failed.id });
    expect(status).toBe(200);
    const detail = body.detail as { taskId: string; name: string; queue: string };
    expect(detail).toMatchObject({ name: 'dash.flaky', queue: live.queue });
    expect(detail.taskId).not.toBe(failed.id);
    expect(await live.client.result(detail.taskId).get({ timeout: 10 })).toBe(`ok ${key}`);
    expect((await live.action('retry', { taskId: 'not-in-history' })).status).toBe(404);

    // Without the backend's record, the arguments are read back from the event's repr.
    const other = `k-${crypto.randomUUID().slice(0, 6)}`;
    const failedAgain = await live.client.send('dash.flaky', [other], { queue: live.queue });
    await live.taskIn(failedAgain.id, 'FAILURE');
    await live.client.result(failedAgain.id).forget();
    const fromRepr = await live.action('retry', { taskId: failedAgain.id });
    // The queue is the task-sent event's (the test's client sends them).
    expect(fromRepr.body.detail).toMatchObject({ name: 'dash.flaky', queue: live.queue });
    expect(await live.client.result((fromRepr.body.detail as { taskId: string }).taskId).get({ timeout: 10 })).toBe(`ok ${other}`);
  });

  it('rate-limit and pool-grow reach the worker', { timeout: 30_000 }, async () => {
    const limited = await live.action('rate-limit', { taskName: 'dash.add', rate: '10/s', destination: [live.hostname] });
    expect(limited.status).toBe(200);
    expect(limited.body.detail).toEqual({ replies: [{ [live.hostname]: { ok: expect.stringMatching(/rate limit/) } }] });
    const registered = await live.client.control.inspect({ destination: [live.hostname] }).registered();
    expect(registered[live.hostname]).toContain('dash.add [rate_limit=10/s]');
    expect((await live.action('rate-limit', { taskName: 'dash.add', rate: 'fast' })).status).toBe(400);

    const grown = await live.action('pool-grow', { worker: live.hostname, n: 2 });
    expect(grown.body).toEqual({ ok: true, detail: { replies: [{ [live.hostname]: { ok: 'pool will grow' } }] } });
    // The action asks the workers again at once (not at the 10 s poll): the overview shows the new size.
    await waitFor(async () => (await live.json<Overview>('/api/overview')).workers.find((w) => w.hostname === live.hostname)?.concurrency === 4, { timeout: 8_000, interval: 100 });
    const shrunk = await live.action('pool-shrink', { worker: live.hostname, n: 2 });
    expect(shrunk.body.ok).toBe(true);
    expect((await live.action('pool-grow', { worker: live.hostname, n: 0 })).status).toBe(400);
  });

  it('dlq-replay sends dead letters back to their queue; purge empties it', { timeout: 30_000 }, async () => {
    const broker = live.dashboard.client.broker;
    const queue = `dlq-${crypto.randomUUID()}`;
    const json = createJsonSerializer();
    for (const n of [1, 2]) await broker.deadLetters!.add(queue, encodeTaskMessage({ task: 'dash.add', id: crypto.randomUUID(), args: [n, n] }, { serializer: json }), { reason: 'max-deliveries', deliveries: 5 });
    await live.client.broker.declareQueue(queue);
    const replayed = await live.action('dlq-replay', { queue });
    expect(replayed.body).toEqual({ ok: true, detail: { queues: [queue], replayed: 2 } });
    expect(await broker.size(queue)).toBe(2);
    expect(await broker.deadLetters!.count(queue)).toBe(0);
    const purged = await live.action('purge', { queue });
    expect(purged.body).toEqual({ ok: true, detail: { queue, purged: 2 } });
    expect(await broker.size(queue)).toBe(0);
  });

  it('shutdown stops the worker (last: the worker is gone after it)', { timeout: 30_000 }, async () => {
    const { body } = await live.action('shutdown', { worker: live.hostname });
    expect(body).toEqual({ ok: true, detail: { worker: live.hostname } });
    await waitFor(async () => (await live.json<Overview>('/api/overview')).workers.find((w) => w.hostname === live.hostname)?.online === false, { timeout: 15_000, interval: 200 });
  });
});
