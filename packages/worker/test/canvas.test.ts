/**
 * The worker continuing workflows on the memory transport: chains (through chords), chords with
 * chain bodies, group callbacks, errbacks, failures, and a chain captured from Python Celery.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, CanvasSink, Envelope, PublishTarget, ResultBackend, ResultMeta, SignatureData, TaskMessage } from '@celerity/core';
import {
  applySignature,
  chain,
  chord,
  createJsonSerializer,
  createMemoryBackend,
  createMemoryBroker,
  createSerializerRegistry,
  decodeTaskMessage,
  defineTask,
  encodeTaskMessage,
  group,
  immutable,
  signature,
} from '@celerity/core';
import { waitFor } from '@celerity/testing';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';

const json = createJsonSerializer();
const registry = createSerializerRegistry([json]);
const errbackCalls: unknown[][] = [];

const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const mul = defineTask({ name: 'tasks.mul', params: ['x', 'y'] }, (x: number, y: number) => x * y);
const xsum = defineTask({ name: 'tasks.xsum', params: ['values'] }, (values: number[]) => values.reduce((a, b) => a + b, 0));
// Also a chain step after add, so it takes the number add returns.
const fail = defineTask({ name: 'tasks.fail', params: ['msg'] }, (msg: string | number): number => {
  throw new TypeError(String(msg));
});
const onError = defineTask({ name: 'tasks.on_error', params: ['taskId', 'tag?'] }, (taskId: string, tag?: string) => {
  errbackCalls.push([taskId, tag]);
  return taskId;
});
const tasks = { add, mul, xsum, fail, onError };

let worker: Worker | undefined;

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  errbackCalls.length = 0;
});

/** A memory broker whose publishes are recorded, decoded, in order. */
function recordingBroker(): { broker: Broker; published: TaskMessage[] } {
  const inner = createMemoryBroker({ name: `canvas-${crypto.randomUUID()}` });
  const published: TaskMessage[] = [];
  const record = (envelope: Envelope) => published.push(decodeTaskMessage(envelope, { serializers: registry }));
  const broker = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'publish') return (t: PublishTarget, e: Envelope) => (record(e), target.publish(t, e));
      if (key === 'publishMany')
        return (items: ReadonlyArray<{ target: PublishTarget; envelope: Envelope }>) => {
          for (const item of items) record(item.envelope);
          return target.publishMany(items);
        };
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { broker, published };
}

async function start(): Promise<{ broker: Broker; backend: ResultBackend; published: TaskMessage[]; sink: CanvasSink }> {
  const { broker, published } = recordingBroker();
  const backend = createMemoryBackend({ name: `canvas-${crypto.randomUUID()}` });
  worker = createWorker({ broker, backend, tasks, concurrency: 4 });
  await worker.start();
  const sink: CanvasSink = {
    publish: (messages) => broker.publishMany(messages.map((m) => ({ target: m.target, envelope: encodeTaskMessage(m.init, { serializer: json }) }))),
    chordInit: (groupId, size) => backend.chordInit(groupId, size),
  };
  return { broker, backend, published, sink };
}

const wait = (backend: ResultBackend, id: string): Promise<ResultMeta> => backend.wait(id, { timeout: 5 });
const byTask = (published: TaskMessage[], task: string) => published.filter((m) => m.task === task);

describe('worker canvas: chains', () => {
  it('publishes each next step as Celery does (canvas_chain_worker_publishes.json)', async () => {
    const { backend, published, sink } = await start();
    const applied = await applySignature(chain(add.s(1, 2), add.s(3), mul.s(4)), sink, { replyTo: 'client-oid' });
    expect((await wait(backend, applied.id)).result).toBe(24);
    const [first, second, third] = published;
    expect(published).toHaveLength(3);
    // Step 2: parent's result prepended, the rest of the chain in embed.chain, ids as frozen.
    expect(second).toMatchObject({ task: 'tasks.add', args: [3, 3], parentId: first!.id, rootId: first!.id, replyTo: 'client-oid', group: null });
    expect(second!.id).toBe(first!.embed.chain![1]!.options['task_id']);
    expect(second!.embed.chain).toEqual([first!.embed.chain![0]]);
    // Last step: an empty list, not null.
    expect(third).toMatchObject({ task: 'tasks.mul', args: [6, 4], parentId: second!.id, rootId: first!.id, id: applied.id });
    expect(third!.embed.chain).toEqual([]);
    // Children as in result_chain_members.json.
    expect((await backend.get(first!.id))?.children).toEqual([[[second!.id, null], null]]);
  });

  it('continues a chain through a chord: chain(a, group(b, c), d, e)', async () => {
    const { backend, published, sink } = await start();
    const applied = await applySignature(chain(add.s(1, 1), group([mul.s(2), mul.s(3)]), xsum.s(), add.s(100)), sink);
    expect((await wait(backend, applied.id)).result).toBe(110);
    const header = byTask(published, 'tasks.mul');
    expect(header.map((m) => m.args).sort()).toEqual([
      [2, 2],
      [2, 3],
    ]);
    expect(new Set(header.map((m) => m.group)).size).toBe(1);
    expect(header.map((m) => m.groupIndex).sort()).toEqual([0, 1]);
    const [body] = byTask(published, 'tasks.xsum');
    expect(body!.args).toEqual([[4, 6]]);
    expect(body!.embed.chain!.map((s) => s.options['task_id'])).toEqual([applied.id]);
    const [last] = byTask(published, 'tasks.add').filter((m) => m.id === applied.id);
    expect(last).toMatchObject({ args: [10, 100], parentId: body!.id });
  });

  it('runs a chain that starts with a group', async () => {
    const { backend, sink } = await start();
    const applied = await applySignature(chain(group([add.s(1, 1), add.s(2, 2)]), xsum.s(), mul.s(10)), sink);
    expect((await wait(backend, applied.id)).result).toBe(60);
  });

  it('ends a chain with a group: each member gets the result', async () => {
    const { backend, sink } = await start();
    const applied = await applySignature(chain(add.s(1, 1), group([mul.s(2), mul.s(3)])), sink);
    expect(applied.kind).toBe('group');
    const results = await Promise.all(applied.memberIds.map((id) => wait(backend, id)));
    expect(results.map((r) => [r.result, r.group_id])).toEqual([
      [4, applied.id],
      [6, applied.id],
    ]);
  });

  it('fails the rest of the chain when a step fails', async () => {
    const { backend, sink } = await start();
    const applied = await applySignature(chain(add.s(1, 1), fail.s(), add.s(1), mul.s(2)), sink);
    const meta = await wait(backend, applied.id);
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toMatchObject({ exc_type: 'TypeError', exc_message: ['2'] });
  });
});

describe('worker canvas: chords', () => {
  it('applies a chain body with the header results', async () => {
    const { backend, published, sink } = await start();
    const applied = await applySignature(chord([add.s(1, 1), add.s(2, 2), add.s(3, 3)], chain(xsum.s(), mul.s(10))), sink);
    expect((await wait(backend, applied.id)).result).toBe(120);
    const [body] = byTask(published, 'tasks.xsum');
    const header = byTask(published, 'tasks.add');
    // As in chord_backend_commands.json: [[results]] in header order; parent = the completing part.
    expect(body!.args).toEqual([[2, 4, 6]]);
    expect(header.map((m) => m.id)).toContain(body!.parentId);
    expect(body!.group).toBeNull();
  });

  it('fails the body with a ChordError naming the failed part, and calls the body’s errbacks', async () => {
    const { backend, published, sink } = await start();
    const body = { ...xsum.s(), options: { link_error: [onError.s('body')] } };
    const applied = await applySignature(chord([add.s(1, 1), fail.s('header')], body), sink);
    const meta = await wait(backend, applied.id);
    const failed = byTask(published, 'tasks.fail')[0]!;
    expect(meta.result).toEqual({
      exc_type: 'ChordError',
      exc_message: [`Dependency ${failed.id} raised TypeError('header')`],
      exc_module: 'celery.exceptions',
    });
    // Errbacks go out after the failure is stored.
    const [errback] = await waitFor(() => (byTask(published, 'tasks.on_error').length > 0 ? byTask(published, 'tasks.on_error') : null));
    await wait(backend, errback!.id);
    expect(errback!.args).toEqual([applied.id, 'body']);
    expect(byTask(published, 'tasks.xsum')).toHaveLength(0);
  });
});

describe('worker canvas: callbacks and errbacks', () => {
  it('applies a group callback with the result, as one group', async () => {
    const { backend, broker, published } = await start();
    const id = crypto.randomUUID();
    await broker.publish(
      { queue: 'celery' },
      encodeTaskMessage({ task: 'tasks.add', id, args: [1, 2], embed: { callbacks: [group([mul.s(2), mul.s(3)])] } }, { serializer: json }),
    );
    const parent = await wait(backend, id);
    const members = byTask(published, 'tasks.mul');
    expect(members.map((m) => m.args)).toEqual([
      [3, 2],
      [3, 3],
    ]);
    const groupId = members[0]!.group!;
    expect(members.every((m) => m.group === groupId && m.groupIndex === null && m.parentId === id && m.rootId === id)).toBe(true);
    expect(parent.children).toEqual([[[groupId, null], members.map((m) => [[m.id, null], null])]]);
    expect((await Promise.all(members.map((m) => wait(backend, m.id)))).map((m) => m.result)).toEqual([6, 9]);
  });

  it('sends several plain callbacks together as one group, a single one alone', async () => {
    const { backend, broker, published } = await start();
    const one = crypto.randomUUID();
    const many = crypto.randomUUID();
    await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.add', id: one, args: [1, 1], embed: { callbacks: [mul.s(10)] } }, { serializer: json }));
    await wait(backend, one);
    await broker.publish(
      { queue: 'celery' },
      encodeTaskMessage({ task: 'tasks.add', id: many, args: [2, 2], embed: { callbacks: [mul.s(10), add.s(1)] } }, { serializer: json }),
    );
    await wait(backend, many);
    const [single] = published.filter((m) => m.parentId === one);
    expect(single).toMatchObject({ task: 'tasks.mul', args: [2, 10], group: null });
    const grouped = published.filter((m) => m.parentId === many);
    expect(grouped.map((m) => [m.task, m.args])).toEqual([
      ['tasks.mul', [4, 10]],
      ['tasks.add', [4, 1]],
    ]);
    expect(grouped[0]!.group).not.toBeNull();
    expect(grouped[1]!.group).toBe(grouped[0]!.group);
  });

  it('publishes errbacks as a group with the failed id (canvas_link_error_errback_publish.json)', async () => {
    const { backend, broker, published } = await start();
    const id = crypto.randomUUID();
    const errbacks = [onError.s(), immutable(signature('tasks.on_error', ['fixed', 'immutable']))];
    await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.fail', id, args: ['boom'], embed: { errbacks } }, { serializer: json }));
    expect((await wait(backend, id)).status).toBe('FAILURE');
    const sent = await waitFor(() => (byTask(published, 'tasks.on_error').length === 2 ? byTask(published, 'tasks.on_error') : null));
    await Promise.all(sent.map((m) => wait(backend, m.id)));
    expect(sent.map((m) => m.args)).toEqual([[id], ['fixed', 'immutable']]);
    expect(sent.every((m) => m.group !== null && m.group === sent[0]!.group && m.groupIndex === null)).toBe(true);
    expect(sent.every((m) => m.parentId === id && m.rootId === id)).toBe(true);
    expect(errbackCalls.map((call) => call[0])).toEqual(expect.arrayContaining([id, 'fixed']));
  });
});

describe('worker canvas: messages from Python Celery', () => {
  it('continues a chain whose next step is a chord, exactly as Celery 5.2 sent it', async () => {
    const { backend, broker, published } = await start();
    // chain(add.s(1,1), group(mul.s(2), mul.s(3)), xsum.s()) from canvas_nested_signatures.json.
    const fixture = JSON.parse(readFileSync(new URL('../../core/test/fixtures/celery-5.2/redis/canvas_nested_signatures.json', import.meta.url), 'utf8')) as {
      items: Array<{ raw: string }>;
    };
    const raw = JSON.parse(fixture.items[1]!.raw) as { body: string; headers: Record<string, unknown>; properties: { reply_to: string; correlation_id: string } };
    const envelope: Envelope = {
      body: new Uint8Array(Buffer.from(raw.body, 'base64')),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: raw.headers,
      properties: { correlationId: raw.properties.correlation_id, replyTo: raw.properties.reply_to },
    };
    const first = decodeTaskMessage(envelope, { serializers: registry });
    const chordSig = first.embed.chain![0]!;
    const bodyId = String((chordSig.kwargs['body'] as SignatureData).options['task_id']);
    await broker.publish({ queue: 'celery' }, envelope);
    expect((await wait(backend, bodyId)).result).toBe(10);
    const header = byTask(published, 'tasks.mul');
    const members = (chordSig.kwargs['header'] as SignatureData).kwargs['tasks'] as SignatureData[];
    expect(header.map((m) => m.id).sort()).toEqual(members.map((m) => m.options['task_id']).sort());
    expect(header.every((m) => m.group === chordSig.options['task_id'] && m.replyTo === raw.properties.reply_to && m.parentId === first.id)).toBe(true);
  });
});
