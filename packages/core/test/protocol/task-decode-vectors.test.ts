import { describe, expect, it } from 'vitest';
import { createSerializerRegistry, decodeTaskMessage, type TaskMessage } from '@celerity/core';
import { createJsonSerializer } from '../../src/serializers/json.js';
import { capturedDate, fixtureFiles, vectorMessages, type VectorMessage } from './vector-helpers.js';

const registry = createSerializerRegistry([createJsonSerializer()]);

const TASK_VECTORS = [
  ...fixtureFiles('redis', /^(task_|canvas_).*\.json$/),
  ...fixtureFiles('amqp', /^(task_|canvas_).*\.json$/),
];
const jsonMessages = TASK_VECTORS.flatMap(vectorMessages).filter((m) => m.envelope.contentType === 'application/json');
const msgpackMessages = TASK_VECTORS.flatMap(vectorMessages).filter((m) => m.envelope.contentType !== 'application/json');

function expectMatchesCapture(msg: TaskMessage, v: VectorMessage): void {
  const isV1 = !Array.isArray(v.body);
  const source = (isV1 ? v.body : v.headers) as Record<string, unknown>;
  expect(msg.protocol).toBe(isV1 ? 1 : 2);
  expect(msg.task).toBe(source['task']);
  expect(msg.id).toBe(source['id']);
  expect(msg.retries).toBe(source['retries']);
  expect(msg.eta).toEqual(capturedDate(source['eta']));
  expect(msg.expires).toEqual(capturedDate(source['expires']));
  expect(msg.priority).toBe(v.properties['priority'] ?? null);
  expect(msg.correlationId).toBe(v.properties['correlation_id']);
  expect(msg.replyTo).toBe(v.properties['reply_to']);
  expect(msg.timeLimit).toEqual(source['timelimit']);
  if (isV1) {
    const body = v.body as Record<string, unknown>;
    expect(msg.args).toEqual(body['args']);
    expect(msg.kwargs).toEqual(body['kwargs']);
    expect(msg.embed).toEqual({ callbacks: body['callbacks'], errbacks: body['errbacks'], chain: null, chord: body['chord'] });
    expect(msg.group).toBe(body['taskset']);
    return;
  }
  const [args, kwargs, embed] = v.body as [unknown[], Record<string, unknown>, Record<string, unknown>];
  expect(msg.args).toEqual(args);
  expect(msg.kwargs).toEqual(kwargs);
  expect(msg.embed).toEqual(embed);
  expect(msg.rootId).toBe(source['root_id']);
  expect(msg.parentId).toBe(source['parent_id']);
  expect(msg.group).toBe(source['group']);
  expect(msg.groupIndex).toBe(source['group_index']);
  expect(msg.shadow).toBe(source['shadow']);
  expect(msg.ignoreResult).toBe(source['ignore_result']);
  expect(msg.argsrepr).toBe(source['argsrepr']);
  expect(msg.kwargsrepr).toBe(source['kwargsrepr']);
  expect(msg.origin).toBe(source['origin']);
  // 5.2 sends none of the 5.3 fields: their defaults.
  expect(msg.replacedTaskNesting).toBe(0);
  expect(msg.stamps).toEqual({});
  expect(msg.stampedHeaders).toEqual([]);
}

describe('decodeTaskMessage on captured Celery 5.2 messages', () => {
  it('finds every task vector', () => {
    expect(TASK_VECTORS.length).toBeGreaterThanOrEqual(40);
    expect(jsonMessages.length).toBeGreaterThanOrEqual(60);
  });

  it.each(jsonMessages.map((m) => [`${m.file}#${m.index}`, m] as const))('%s', (_name, v) => {
    const msg = decodeTaskMessage(v.envelope, { serializers: registry });
    expectMatchesCapture(msg, v);
  });

  it('keeps integers beyond 2^53 exact and unicode intact (rich args)', () => {
    for (const file of ['redis/task_rich_args_json.json', 'amqp/task_rich_args_json.json']) {
      const [v] = vectorMessages(file);
      const msg = decodeTaskMessage(v!.envelope, { serializers: registry });
      const arg = msg.args[0] as Record<string, unknown>;
      expect(arg['int_big']).toBe(9007199254740993n);
      expect(arg['neg']).toBe(-7);
      expect(arg['unicode']).toBe('héllo wörld ☃ 😀');
      expect(arg['nested']).toEqual({ a: [1, 2.5, null, true, false, [], {}], b: { c: { d: 'e' } } });
    }
  });

  it('reads Python types sent by kombu 5.2 as the plain strings they are', () => {
    const [v] = vectorMessages('redis/task_python_types_json.json');
    const arg = decodeTaskMessage(v!.envelope, { serializers: registry }).args[0] as Record<string, unknown>;
    expect(arg).toMatchObject({ dt_utc: '2024-01-02T03:04:05Z', decimal: '1.10', tuple: [1, 2], intkey: { '1': 'one' } });
  });

  it('reads the naive eta as UTC', () => {
    const [v] = vectorMessages('redis/task_eta_naive.json');
    expect(decodeTaskMessage(v!.envelope, { serializers: registry }).eta?.toISOString()).toBe('2030-01-01T12:00:00.000Z');
  });

  it('puts custom and transport headers in customHeaders', () => {
    const [misc] = vectorMessages('redis/task_options_misc.json');
    const msg = decodeTaskMessage(misc!.envelope, { serializers: registry });
    expect(msg.customHeaders).toEqual({ 'x-custom': 'hello' });
    expect(msg.timeLimit).toEqual([30, 20]);
    expect(msg.shadow).toBe('add-shadow-name');
    expect(msg.ignoreResult).toBe(true);
    const [restored] = vectorMessages('redis/task_restored_redelivered.json');
    expect(decodeTaskMessage(restored!.envelope, { serializers: registry }).customHeaders).toEqual({ redelivered: true });
  });

  it('converts protocol 1 (taskset → group, chain null)', () => {
    const [v] = vectorMessages('redis/task_protocol_v1.json');
    const msg = decodeTaskMessage(v!.envelope, { serializers: registry });
    expect(msg).toMatchObject({
      protocol: 1,
      task: 'tasks.add',
      id: '33333333-4444-5555-6666-777777777777',
      args: [10, 20],
      kwargs: {},
      rootId: '33333333-4444-5555-6666-777777777777', // protocol 1 has none: the task is its own root
      customHeaders: {},
    });
  });

  it('reads nested group / chord signatures in embed', () => {
    const [link, chain] = vectorMessages('redis/canvas_nested_signatures.json');
    const a = decodeTaskMessage(link!.envelope, { serializers: registry });
    expect(a.embed.callbacks?.[0]).toMatchObject({ task: 'celery.group', subtask_type: 'group' });
    const b = decodeTaskMessage(chain!.envelope, { serializers: registry });
    expect(b.embed.chain?.at(-1)).toMatchObject({ task: 'celery.chord', subtask_type: 'chord' });
  });

  // Core has no msgpack codec: the msgpack task vectors go through this codec in
  // packages/serializer-msgpack/test/task-message.test.ts.
  it('leaves exactly the msgpack vectors to @celerity/serializer-msgpack', () => {
    expect(msgpackMessages.map((m) => m.envelope.contentType)).toEqual(Array(4).fill('application/x-msgpack'));
  });
});
