import { describe, expect, it } from 'vitest';
import { createSerializerRegistry, decodeTaskMessage, encodeTaskMessage } from '@celerity/core';
import type { TaskMessageInit } from '@celerity/core';
import { createJsonSerializer } from '../../src/serializers/json.js';

const serializer = createJsonSerializer();
const serializers = createSerializerRegistry([serializer]);
const signatureOf = (task: string) => ({ task, args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false });

/** The fields a worker acts on; `origin`, `correlationId` and `replyTo` are what lean mode may drop. */
function acted(init: TaskMessageInit, lean: boolean) {
  const { origin: _o, correlationId: _c, replyTo: _r, ...rest } = decodeTaskMessage(encodeTaskMessage(init, { serializer, lean }), { serializers });
  return rest;
}

describe('lean task messages', () => {
  const plain: TaskMessageInit = { task: 'tasks.add', id: 'i-1', args: [1, 2], kwargs: {} };
  const busy: TaskMessageInit = {
    task: 'tasks.add',
    id: 'i-2',
    args: [1],
    kwargs: { y: 2 },
    shadow: 'shadowed',
    eta: new Date('2030-01-01T00:00:00Z'),
    expires: new Date('2030-01-02T00:00:00Z'),
    group: 'g',
    groupIndex: 3,
    retries: 2,
    timeLimit: [30, null],
    rootId: 'r',
    parentId: 'p',
    ignoreResult: false,
    replacedTaskNesting: 1,
    stamps: { monitoring_id: 'm-1' },
    embed: { callbacks: [signatureOf('tasks.cb')], errbacks: null, chain: null, chord: null },
    origin: 'gen1@host',
    headers: { 'x-custom': 'hello' },
  };

  it('decode to the same task as the full message', () => {
    for (const init of [plain, busy]) expect(acted(init, true)).toEqual(acted(init, false));
  });

  it('leave out default headers, correlation_id and an all-null embed', () => {
    const env = encodeTaskMessage(plain, { serializer, lean: true });
    // root_id only when the task is not its own root (a workflow member): Celery defaults it to the id.
    expect(Object.keys(env.headers)).toEqual(['task', 'id', 'argsrepr', 'kwargsrepr']);
    expect(encodeTaskMessage({ ...plain, rootId: plain.id }, { serializer, lean: true }).headers['root_id']).toBeUndefined();
    expect(encodeTaskMessage({ ...plain, rootId: 'the-root' }, { serializer, lean: true }).headers['root_id']).toBe('the-root');
    expect(env.properties).toEqual({ deliveryMode: 2, priority: 0 });
    expect(new TextDecoder().decode(env.body)).toBe('[[1,2],{},{}]');
  });

  it('keep every non-default header in Celery order, custom headers last', () => {
    const env = encodeTaskMessage(busy, { serializer, lean: true });
    expect(Object.keys(env.headers)).toEqual([
      'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit', 'root_id', 'parent_id',
      'argsrepr', 'kwargsrepr', 'origin', 'ignore_result', 'replaced_task_nesting', 'stamped_headers', 'stamps', 'x-custom',
    ]);
    expect(env.headers['stamped_headers']).toEqual(['monitoring_id']);
    expect(JSON.parse(new TextDecoder().decode(env.body))[2]).toEqual({ callbacks: [signatureOf('tasks.cb')], errbacks: null, chain: null, chord: null });
  });
});
