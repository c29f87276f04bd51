/**
 * Celery's events on the memory broker: what a worker sends with events on (and nothing with them
 * off), the fields Celery gives each type, task.multi batches, heartbeats on a fake clock,
 * enable_events / disable_events, the client's task-sent, and `celerity events --dump` lines.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, BroadcastMessage, ResultBackend, TaskContext } from '@celerity/core';
import { createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage, loadConfig, silentLogger } from '@celerity/core';
import { EVENT_EXCHANGE, decodeEvents, encodeEvents } from '@celerity/core/internal';
import type { CeleryEvent } from '@celerity/core/internal';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { createEventDispatcher } from '../src/events/event-dispatcher.js';
import { renderBanner } from '../src/cli/banner.js';
import { EventDumper } from '../src/cli/events-dump.js';
import { EventState } from '../src/cli/events-state.js';
import { settle, until } from './event-loop.js';
import { createFakeClock } from './fake-clock.js';

const json = createJsonSerializer();
const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const fail = defineTask({ name: 'tasks.fail', params: ['msg'] }, (msg: string) => {
  throw new Error(msg);
});
let attempts = 0;
const flaky = defineTask({ name: 'tasks.flaky', params: [], maxRetries: 3 }, (ctx: TaskContext) => {
  attempts++;
  if (attempts === 1) ctx.retry({ countdown: 0, exc: new Error('again') });
  return 'done';
});
const tasks = [add, fail, flaky];

let broker: Broker;
let backend: ResultBackend;
let worker: Worker | undefined;
let messages: BroadcastMessage[];
const events = (): CeleryEvent[] => messages.flatMap((m) => decodeEvents(m.envelope));
const ofTask = (id: string): CeleryEvent[] => events().filter((e) => e['uuid'] === id);

async function setup(): Promise<void> {
  const name = `events-${crypto.randomUUID()}`;
  broker = createMemoryBroker({ name });
  backend = createMemoryBackend({ name });
  messages = [];
  attempts = 0;
  await broker.subscribe(EVENT_EXCHANGE, '#', (message) => messages.push(message));
}

async function send(task: string, args: unknown[], extra: { eta?: Date; expires?: Date } = {}): Promise<string> {
  const id = crypto.randomUUID();
  await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task, id, args, ...extra }, { serializer: json }));
  return id;
}

afterEach(async () => {
  await worker?.stop({ force: true });
  worker = undefined;
});

describe('worker events', () => {
  it('sends worker events but no task events with task events off (the default), as Celery', async () => {
    await setup();
    worker = createWorker({ broker, backend, tasks, hostname: 'off@test' });
    await worker.start();
    const id = await send('tasks.add', [2, 3]);
    expect(await backend.wait(id, { timeout: 2000 })).toMatchObject({ status: 'SUCCESS' });
    await until(() => worker!.stats.processed === 1);
    await worker.stop();
    await settle();
    expect(worker.eventsEnabled).toBe(false);
    expect(messages.map((m) => m.routingKey)).toEqual(['worker.online', 'worker.offline']);
    expect(events().map((e) => [e.type, e['processed']])).toEqual([
      ['worker-online', 0],
      ['worker-offline', 1],
    ]);
  });

  it('sends nothing with task events off and withoutHeartbeat, and no worker events with task events on', async () => {
    await setup();
    const clock = createFakeClock(Date.now());
    worker = createWorker({ broker, backend, tasks, hostname: 'quiet@test', withoutHeartbeat: true, clock });
    await worker.start();
    const quiet = await send('tasks.add', [2, 3]);
    await backend.wait(quiet, { timeout: 2000 });
    clock.advance(10_000);
    await worker.stop();
    await settle();
    expect(messages).toEqual([]);

    worker = createWorker({ broker, backend, tasks, hostname: 'tasks-only@test', withoutHeartbeat: true, eventsEnabled: true, clock });
    await worker.start();
    const id = await send('tasks.add', [2, 3]);
    await until(() => ofTask(id).some((e) => e.type === 'task-succeeded'));
    clock.advance(10_000);
    await worker.stop();
    await settle();
    expect(new Set(events().map((e) => e.type))).toEqual(new Set(['task-received', 'task-started', 'task-succeeded']));
  });

  it('sends the task events of a success, a failure, a retry and an unregistered task with Celery fields', async () => {
    await setup();
    worker = createWorker({ broker, backend, tasks, hostname: 'ev@test', eventsEnabled: true });
    await worker.start();
    const ok = await send('tasks.add', [2, 3]);
    const bad = await send('tasks.fail', ['boom ☃']);
    const retried = await send('tasks.flaky', []);
    const unknown = await send('tasks.nope', [1]);
    for (const id of [ok, bad, retried]) await backend.wait(id, { timeout: 2000 });
    await until(() => ofTask(retried).some((e) => e.type === 'task-succeeded') && ofTask(unknown).length > 0);
    await worker.stop();
    // The memory broker hands broadcasts out on a later turn.
    await settle();

    // Every task event goes out in a task.multi list; worker events one by one.
    const routing = new Set(messages.map((m) => m.routingKey));
    expect(routing).toEqual(new Set(['worker.online', 'task.multi', 'worker.offline']));
    for (const m of messages) {
      expect(m.envelope.headers).toEqual({ hostname: 'ev@test' });
      expect(m.envelope.contentType).toBe('application/json');
      expect(m.envelope.properties.deliveryMode).toBe(1);
    }

    const received = ofTask(ok).find((e) => e.type === 'task-received')!;
    expect(Object.keys(received)).toEqual(['hostname', 'utcoffset', 'pid', 'clock', 'uuid', 'name', 'args', 'kwargs', 'root_id', 'parent_id', 'retries', 'eta', 'expires', 'timestamp', 'type']);
    expect(received).toMatchObject({ hostname: 'ev@test', pid: process.pid, name: 'tasks.add', args: '[2, 3]', kwargs: '{}', retries: 0, eta: null, expires: null });
    expect(ofTask(ok).map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    const succeeded = ofTask(ok).at(-1)!;
    expect(succeeded['result']).toBe('5');
    expect(typeof succeeded['runtime']).toBe('number');

    const failed = ofTask(bad).find((e) => e.type === 'task-failed')!;
    expect(failed['exception']).toBe("Exception('boom ☃')");
    expect(failed['traceback']).toContain('boom ☃');

    expect(ofTask(retried).map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-retried', 'task-received', 'task-started', 'task-succeeded']);
    expect(ofTask(retried)[2]!['exception']).toBe("Exception('again')");
    expect(ofTask(retried)[3]!['retries']).toBe(1);

    const notRegistered = ofTask(unknown);
    expect(notRegistered.map((e) => e.type)).toEqual(['task-failed']);
    expect(notRegistered[0]!['exception']).toBe("NotRegistered('tasks.nope')");
    expect(notRegistered[0]).not.toHaveProperty('traceback');

    // The Lamport clock rises by one per event.
    const clocks = events().map((e) => e.clock);
    expect(clocks).toEqual(clocks.map((_, i) => i + 1));
    const online = events()[0]!;
    // sw_ver is the worker package's own version.
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(online).toMatchObject({ type: 'worker-online', freq: 2, active: 0, processed: 0, sw_ident: 'celerity', sw_ver: version });
    expect(online['loadavg']).toHaveLength(3);
    expect(events().at(-1)).toMatchObject({ type: 'worker-offline', processed: 4 });
  });

  it('sends task-revoked for a revoked held task and an expired one', async () => {
    await setup();
    worker = createWorker({ broker, backend, tasks, hostname: 'rev@test', eventsEnabled: true });
    await worker.start();
    const held = await send('tasks.add', [1, 1], { eta: new Date(Date.now() + 60_000) });
    const expired = await send('tasks.add', [1, 1], { expires: new Date(Date.now() - 1000) });
    await until(() => ofTask(held).length > 0 && ofTask(expired).length > 1);
    const client = createClient({ broker, backend });
    await client.revoke(held);
    await until(() => ofTask(held).some((e) => e.type === 'task-revoked'));
    await client.close();
    expect(ofTask(held).map((e) => e.type)).toEqual(['task-received', 'task-revoked']);
    expect(ofTask(held)[0]!['eta']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(ofTask(held)[1]).toMatchObject({ terminated: false, signum: null, expired: false });
    expect(ofTask(expired).map((e) => e.type)).toEqual(['task-received', 'task-revoked']);
    expect(ofTask(expired)[1]).toMatchObject({ terminated: false, signum: null, expired: true });
  });

  it('sends task-rejected (requeue false) for an undecodable message and a dead-lettered one, not without task events', async () => {
    for (const eventsEnabled of [true, false]) {
      await setup();
      worker = createWorker({ broker, backend, tasks, hostname: 'dl@test', eventsEnabled });
      await worker.start();
      const garbled = crypto.randomUUID();
      const envelope = encodeTaskMessage({ task: 'tasks.add', id: garbled, args: [1, 2] }, { serializer: json });
      await broker.publish({ queue: 'celery' }, { ...envelope, body: new TextEncoder().encode('not json') });
      const worn = crypto.randomUUID();
      const tired = encodeTaskMessage({ task: 'tasks.add', id: worn, args: [1, 2] }, { serializer: json });
      // Its sixth delivery, past the default maxDeliveries of 5.
      await broker.publish({ queue: 'celery' }, { ...tired, headers: { ...tired.headers, celerity_deliveries: 6 } });
      await until(() => worker!.stats.deadLettered === 1 && worker!.stats.rejected === 1);
      await worker.stop();
      await settle();
      const rejected = events().filter((e) => e.type === 'task-rejected');
      if (eventsEnabled) {
        expect(ofTask(garbled).map((e) => [e.type, e['requeue']])).toEqual([['task-rejected', false]]);
        expect(ofTask(worn).at(-1)).toMatchObject({ type: 'task-rejected', requeue: false });
        expect(ofTask(worn).map((e) => e.type)).not.toContain('task-started');
        expect(Object.keys(rejected[0]!)).toEqual(['hostname', 'utcoffset', 'pid', 'clock', 'uuid', 'requeue', 'timestamp', 'type']);
      } else {
        expect(rejected).toEqual([]);
      }
    }
  });

  it('sends heartbeats every 2 s with the live counts (fake clock), and stops them at stop', async () => {
    await setup();
    const clock = createFakeClock(Date.now());
    worker = createWorker({ broker, backend, tasks, hostname: 'hb@test', eventsEnabled: true, clock });
    await worker.start();
    const id = await send('tasks.add', [1, 2]);
    await backend.wait(id, { timeout: 2000 });
    await until(() => worker!.stats.processed === 1);
    clock.advance(2000);
    clock.advance(2000);
    await until(() => events().filter((e) => e.type === 'worker-heartbeat').length === 2);
    const beats = events().filter((e) => e.type === 'worker-heartbeat');
    expect(beats.map((b) => b.timestamp)).toEqual([clock.now() / 1000 - 2, clock.now() / 1000]);
    expect(beats[1]).toMatchObject({ processed: 1, active: 0, freq: 2 });
    await worker.stop();
    clock.advance(10_000);
    await settle();
    expect(events().filter((e) => e.type === 'worker-heartbeat')).toHaveLength(2);
    expect(events().at(-1)!.type).toBe('worker-offline');
  });

  it('the heartbeat control command sends a worker-heartbeat at once, with Celery fields and an empty reply', async () => {
    await setup();
    worker = createWorker({ broker, backend, tasks, hostname: 'hb@test' });
    await worker.start();
    const client = createClient({ broker, backend });
    const beats = (): CeleryEvent[] => events().filter((e) => e.type === 'worker-heartbeat' && e['freq'] === 5);
    expect(beats()).toEqual([]);
    expect(await client.control.call('heartbeat', {}, { timeout: 0.2, limit: 1 })).toEqual([{ 'hb@test': null }]);
    await until(() => beats().length === 1);
    expect(beats()[0]).toMatchObject({ hostname: 'hb@test', freq: 5, sw_ident: 'celerity', sw_sys: expect.any(String) });
    expect(beats()[0]).not.toHaveProperty('active');
    await client.close();
    await worker.stop();
    await settle();
  });

  it("the clock control command forwards the Lamport clock the worker's events carry; inspect stats shows it", async () => {
    await setup();
    worker = createWorker({ broker, backend, tasks, hostname: 'clock@test' });
    await worker.start();
    const client = createClient({ broker, backend });
    await until(() => events().some((e) => e.type === 'worker-online'));
    const online = events().find((e) => e.type === 'worker-online')!['clock'] as number;
    const [first] = (await client.control.call('clock', {}, { timeout: 0.2, limit: 1 })) as Array<Record<string, { clock: number }>>;
    const [second] = (await client.control.call('clock', {}, { timeout: 0.2, limit: 1 })) as Array<Record<string, { clock: number }>>;
    expect(first!['clock@test']!.clock).toBeGreaterThan(online);
    // A heartbeat between the calls may advance it too.
    expect(second!['clock@test']!.clock).toBeGreaterThan(first!['clock@test']!.clock);
    const [stats] = (await client.control.call('stats', {}, { timeout: 0.2, limit: 1 })) as Array<Record<string, { clock: string }>>;
    expect(Number(stats!['clock@test']!.clock)).toBeGreaterThanOrEqual(second!['clock@test']!.clock);
    await client.close();
    await worker.stop();
    await settle();
  });

  it('enable_events / disable_events switch task events, with Celery replies', async () => {
    await setup();
    worker = createWorker({ broker, backend, tasks, hostname: 'sw@test' });
    await worker.start();
    const client = createClient({ broker, backend });
    const before = await send('tasks.add', [1, 1]);
    await backend.wait(before, { timeout: 2000 });
    expect(await client.control.call('enable_events', {}, { timeout: 0.2, limit: 1 })).toEqual([{ 'sw@test': { ok: 'task events enabled' } }]);
    expect(await client.control.call('enable_events', {}, { timeout: 0.2, limit: 1 })).toEqual([{ 'sw@test': { ok: 'task events already enabled' } }]);
    expect(worker.eventsEnabled).toBe(true);
    const during = await send('tasks.add', [2, 2]);
    await until(() => ofTask(during).some((e) => e.type === 'task-succeeded'));
    expect(await client.control.call('disable_events', {}, { timeout: 0.2, limit: 1 })).toEqual([{ 'sw@test': { ok: 'task events disabled' } }]);
    expect(await client.control.call('disable_events', {}, { timeout: 0.2, limit: 1 })).toEqual([{ 'sw@test': { ok: 'task events already disabled' } }]);
    const after = await send('tasks.add', [3, 3]);
    await backend.wait(after, { timeout: 2000 });
    await client.close();
    await worker.stop();
    await settle();
    expect(ofTask(before)).toEqual([]);
    expect(ofTask(after)).toEqual([]);
    // Worker events went out from the start, before any enable, and on after disable_events, as in Celery.
    expect(events()[0]!.type).toBe('worker-online');
    expect(events()[0]!.clock).toBe(1);
    expect(events().at(-1)!.type).toBe('worker-offline');
  });
});

describe('settings', () => {
  it('workerSendTaskEvents (CELERITY_WORKER_SEND_TASK_EVENTS) switches a worker\'s events on; the option wins', async () => {
    await setup();
    const config = loadConfig({ env: { CELERITY_WORKER_SEND_TASK_EVENTS: 'true' } });
    expect(config.workerSendTaskEvents).toBe(true);
    expect(createWorker({ broker, tasks, config }).eventsEnabled).toBe(true);
    expect(createWorker({ broker, tasks, config, eventsEnabled: false }).eventsEnabled).toBe(false);
  });

  it('taskSendSentEvent in the configuration makes the client send task-sent', async () => {
    await setup();
    const client = createClient({ broker, backend, config: { taskSendSentEvent: true } });
    await client.send('tasks.add', [1, 1]);
    await client.close();
    await settle();
    expect(messages.map((m) => m.routingKey)).toEqual(['task.sent']);
  });
});

describe('worker banner', () => {
  it('says whether task events are on, as Celery does', () => {
    const info = { hostname: 'w@h', app: 'tasks.ts', transport: 'memory://', results: 'disabled://', concurrency: 1, queues: ['celery'], tasks: [] };
    expect(renderBanner({ ...info, events: true })).toContain('.> task events: ON\n');
    expect(renderBanner(info)).toContain('.> task events: OFF (enable -E to monitor tasks in this worker)\n');
  });
});

describe('event dispatcher', () => {
  it('batches the task events of one turn in one task.multi list, at most bufferLimit per message', async () => {
    await setup();
    const dispatcher = createEventDispatcher({ broker, hostname: 'b@test', clock: createFakeClock(), logger: silentLogger, bufferLimit: 24 });
    for (let i = 0; i < 30; i++) dispatcher.sendBuffered('task-started', { uuid: String(i) });
    await dispatcher.flush();
    await settle();
    expect(messages.map((m) => m.routingKey)).toEqual(['task.multi', 'task.multi']);
    expect(messages.map((m) => decodeEvents(m.envelope).length)).toEqual([24, 6]);
    expect(events().map((e) => e['uuid'])).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
  });

  it('sends up to 100 events in one message by default', async () => {
    await setup();
    const dispatcher = createEventDispatcher({ broker, hostname: 'b@test', clock: createFakeClock(), logger: silentLogger });
    for (let i = 0; i < 150; i++) dispatcher.sendBuffered('task-started', { uuid: String(i) });
    await dispatcher.flush();
    await settle();
    expect(messages.map((m) => decodeEvents(m.envelope).length)).toEqual([100, 50]);
  });
  it('collects the events sent while a list is being published and sends them when it is done', async () => {
    const published: string[][] = [];
    const pending: Array<() => void> = [];
    const slow = {
      capabilities: { broadcast: true },
      broadcast: (_exchange: string, _key: string, envelope: { body: Uint8Array }) => {
        published.push((JSON.parse(new TextDecoder().decode(envelope.body)) as CeleryEvent[]).map((e) => String(e['uuid'])));
        return new Promise<void>((resolve) => pending.push(resolve));
      },
    } as unknown as Broker;
    const dispatcher = createEventDispatcher({ broker: slow, hostname: 'b@test', clock: createFakeClock(), logger: silentLogger, bufferLimit: 5 });
    dispatcher.sendBuffered('task-started', { uuid: 'a' });
    // Not in this turn's check phase: in the next one's, after that turn's I/O callbacks.
    await new Promise((resolve) => setImmediate(resolve));
    expect(published).toEqual([]);
    await settle();
    expect(published).toEqual([['a']]);
    // The first list is on its way: later turns' events wait for it (up to bufferLimit).
    dispatcher.sendBuffered('task-started', { uuid: 'b' });
    await settle();
    dispatcher.sendBuffered('task-started', { uuid: 'c' });
    await settle();
    expect(published).toEqual([['a']]);
    pending.shift()!();
    await settle();
    expect(published).toEqual([['a'], ['b', 'c']]);
    // Lists filled while one is in flight wait for it too, each of bufferLimit events at most.
    for (const id of ['d', 'e', 'f', 'g', 'h', 'i', 'j']) dispatcher.sendBuffered('task-started', { uuid: id });
    await settle();
    expect(published).toEqual([['a'], ['b', 'c']]);
    pending.shift()!();
    await settle();
    expect(published).toEqual([['a'], ['b', 'c'], ['d', 'e', 'f', 'g', 'h'], ['i', 'j']]);
    for (const resolve of pending.splice(0)) resolve();
    await dispatcher.flush();
  });

  it('gives each event the time it was sent at, and the type\'s fields in Celery\'s order', async () => {
    await setup();
    const clock = createFakeClock(Date.UTC(2030, 0, 1));
    const dispatcher = createEventDispatcher({ broker, hostname: 'b "q"@test', clock, logger: silentLogger, pid: 42 });
    dispatcher.sendBuffered('task-started', { uuid: '1' });
    dispatcher.sendBuffered('task-started', { uuid: '2' });
    clock.advance(1);
    dispatcher.sendBuffered('task-started', { uuid: '3' });
    await dispatcher.send('worker-heartbeat', {});
    await dispatcher.flush();
    await settle();
    const start = Date.UTC(2030, 0, 1) / 1000;
    expect(events().map((e) => [e['uuid'], e.timestamp, e.clock])).toEqual([
      [undefined, start + 0.001, 4],
      ['1', start, 1],
      ['2', start, 2],
      ['3', start + 0.001, 3],
    ]);
    expect(Object.keys(events()[1]!)).toEqual(['hostname', 'utcoffset', 'pid', 'clock', 'uuid', 'timestamp', 'type']);
    expect(events()[0]).toMatchObject({ hostname: 'b "q"@test', pid: 42, type: 'worker-heartbeat' });
  });
});

describe('client task-sent', () => {
  it('sends task-sent after each publish when taskSendSentEvent is on, with Celery fields', async () => {
    await setup();
    const client = createClient({ broker, backend, taskSendSentEvent: true });
    const result = await client.send('tasks.add', [10, 20]);
    const quiet = createClient({ broker, backend });
    await quiet.send('tasks.add', [1, 2]);
    await client.close();
    await quiet.close();
    await settle();
    expect(messages.map((m) => m.routingKey)).toEqual(['task.sent']);
    const [sent] = events();
    expect(Object.keys(sent!)).toEqual(['hostname', 'utcoffset', 'pid', 'clock', 'uuid', 'root_id', 'parent_id', 'name', 'args', 'kwargs', 'retries', 'eta', 'expires', 'queue', 'exchange', 'routing_key', 'timestamp', 'type']);
    expect(sent).toMatchObject({ uuid: result.id, root_id: result.id, parent_id: null, name: 'tasks.add', args: '[10, 20]', queue: 'celery', exchange: '', routing_key: 'celery', type: 'task-sent' });
  });
});

describe('events codec and dump', () => {
  // The captured Celery 5.2 vectors, as copied into the Redis broker's fixtures.
  const vectors = (file: string): Array<{ body: unknown }> => JSON.parse(readFileSync(new URL(`../../broker-redis/test/fixtures/redis/${file}`, import.meta.url), 'utf8')).items;

  it('reads the captured Celery 5.2 events (lists and single events) and dumps them as Celery does', () => {
    const dumper = new EventDumper();
    const lines: string[] = [];
    for (const item of [...vectors('events_worker.json'), ...vectors('events_task_multi.json')]) {
      const envelope = encodeEvents(item.body as CeleryEvent, 'cap@vm');
      for (const event of decodeEvents(envelope)) lines.push(dumper.format(event));
    }
    expect(lines[0]).toBe('cap@vm [2026-11-23 18:48:21.635987] started: active=0, clock=1, freq=2, loadavg=[0.8, 0.43, 0.18], pid=13578, processed=0, sw_ident=py-celery, sw_sys=Linux, sw_ver=5.2.6, utcoffset=0');
    expect(lines).toContain('cap@vm [2026-11-23 18:48:30.422715] task received: tasks.add(6aae7816-476f-45dc-b163-879dfdbccac9) args=(2, 3) kwargs={} clock=11, eta=None, expires=None, parent_id=None, pid=13578, retries=0, root_id=6aae7816-476f-45dc-b163-879dfdbccac9, utcoffset=0');
    expect(lines).toContain('cap@vm [2026-11-23 18:48:30.430507] task succeeded: tasks.add(6aae7816-476f-45dc-b163-879dfdbccac9) args=(2, 3) kwargs={} clock=13, pid=13578, result=5, runtime=0.005850504999955319, utcoffset=0');
  });

  it('keeps workers and tasks for the live view', () => {
    const state = new EventState();
    for (const item of [...vectors('events_worker.json').slice(0, 2), ...vectors('events_task_multi.json').slice(0, 6)]) {
      for (const event of decodeEvents(encodeEvents(item.body as CeleryEvent, 'cap@vm'))) state.apply(event);
    }
    const worker = state.workers.get('cap@vm')!;
    expect(worker).toMatchObject({ active: 0, processed: 0, software: 'py-celery 5.2.6', offline: false });
    expect(state.isOnline(worker, worker.lastSeen + 1)).toBe(true);
    expect(state.isOnline(worker, worker.lastSeen + 10)).toBe(false);
    expect(state.recentTasks(2).map((t) => [t.name, t.state, t.result])).toEqual([
      ['tasks.fail', 'FAILURE', "ValueError('boom ☃')"],
      ['tasks.add', 'SUCCESS', '5'],
    ]);
  });

  it('refuses a body that is neither an event nor a list', () => {
    const envelope = { ...encodeEvents([], 'x'), body: new TextEncoder().encode('"text"') };
    expect(() => decodeEvents(envelope)).toThrow(/neither an event nor a list/);
  });
});
