import { describe, expect, it } from 'vitest';
import type { ResultMeta } from '@celerity/core';
import { fromCeleryMeta, toCeleryMeta } from '../src/meta.js';
import { fromChordEntry, fromGroupMeta, toChordEntry, toGroupMeta } from '../src/meta.js';
import { resultSerializer } from '../src/default-serializer.js';
import { loadFixture, metaVectors } from './fixtures.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The same meta with its keys inserted in reverse order: only toCeleryMeta can restore Celery's order. */
function shuffled(meta: ResultMeta): ResultMeta {
  return Object.fromEntries(Object.entries(meta).reverse()) as unknown as ResultMeta;
}

describe('task meta bytes with the default serializer', () => {
  const serializer = resultSerializer(undefined);
  const vectors = metaVectors();

  it.each(vectors.map((v) => [v.name, v] as const))('%s: encodes byte-equal to the Python worker', (_name, vector) => {
    expect(text(serializer.encode(toCeleryMeta(shuffled(vector.decoded))))).toBe(vector.value);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: decodes Python bytes to the captured meta', (_name, vector) => {
    const meta = fromCeleryMeta(serializer.decode(bytes(vector.value)), 'ignored');
    expect(meta).toEqual(vector.decoded);
    expect(Object.keys(meta)).toEqual(Object.keys(vector.decoded));
  });

  it('covers every state the brief names', () => {
    const states = new Set(vectors.map((v) => v.decoded.status));
    for (const state of ['SUCCESS', 'FAILURE', 'RETRY', 'STARTED', 'REVOKED', 'PROGRESS']) expect(states).toContain(state);
    expect(vectors.some((v) => v.decoded.worker !== undefined)).toBe(true);
  });

  it('writes the group meta exactly as GroupResult.save()', () => {
    const f = loadFixture<{ group_key: { key: string; value: string }; members: { decoded: ResultMeta }[] }>('group_meta_taskset');
    const gid = f.group_key.key.replace('celery-taskset-meta-', '');
    const ids = f.members.map((m) => m.decoded.task_id);
    expect(text(serializer.encode(toGroupMeta(gid, ids)))).toBe(f.group_key.value);
    expect(fromGroupMeta(serializer.decode(bytes(f.group_key.value)), gid)).toEqual(ids);
  });

  it('writes chord entries exactly as the worker ZADDs them', () => {
    const f = loadFixture<{ commands: { args: string[] }[] }>('chord_backend_commands');
    const zadds = f.commands.filter((c) => c.args[0] === 'ZADD');
    expect(zadds).toHaveLength(3);
    for (const { args } of zadds) {
      const member = args[3] as string;
      const parsed = JSON.parse(member) as [number, string, string, unknown];
      const part = { taskId: parsed[1], index: Number(args[2]), status: parsed[2], result: parsed[3] };
      expect(text(serializer.encode(toChordEntry(part)))).toBe(member);
      expect(fromChordEntry(serializer.decode(bytes(member)), part.index, 'g')).toEqual(part);
    }
  });
});

describe('meta normalisation', () => {
  it('puts group_id, parent_id, extended keys and stamps in Celery order, task_id last', () => {
    const meta = {
      task_id: 't',
      monitoring_id: 'm-1',
      stamped_headers: ['monitoring_id'],
      queue: 'celery',
      retries: 0,
      worker: 'w',
      kwargs: {},
      args: [1],
      name: 'tasks.add',
      parent_id: 'p',
      group_id: 'g',
      date_done: null,
      children: [],
      traceback: null,
      result: 1,
      status: 'SUCCESS',
    } as ResultMeta;
    expect(Object.keys(toCeleryMeta(meta))).toEqual([
      'status', 'result', 'traceback', 'children', 'date_done', 'group_id', 'parent_id',
      'name', 'args', 'kwargs', 'worker', 'retries', 'queue', 'stamped_headers', 'monitoring_id', 'task_id',
    ]);
  });

  it('reads a msgpack-style meta (children null) and fills what Python may omit', () => {
    const f = loadFixture<{ decoded: Record<string, unknown> }>('result_msgpack_serializer');
    const meta = fromCeleryMeta(f.decoded, 'x');
    expect(meta.children).toEqual([]);
    expect(fromCeleryMeta({ status: 'PENDING' }, 'abc')).toMatchObject({ task_id: 'abc', traceback: null, date_done: null, result: null });
  });

  it('rejects values that are not a meta', () => {
    for (const bad of [null, 5, 'SUCCESS', [1, 2], { result: 1 }, { status: 3 }]) {
      expect(() => fromCeleryMeta(bad, 'x')).toThrow(/not a Celery result meta/);
    }
    expect(() => fromGroupMeta({ result: 'nope' }, 'g')).toThrow(/Group g/);
    expect(() => fromChordEntry([1, 2], 0, 'g')).toThrow(/Chord g/);
  });
});
