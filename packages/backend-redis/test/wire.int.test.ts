/**
 * What a Python worker or client sees: exact keys, values, TTLs and channel messages, checked with a
 * raw ioredis client against the shared Redis (unique key prefix per run).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResultBackend, ResultMeta, Serializer } from '@celerity/core';
import { createMsgpackSerializer } from '@celerity/serializer-msgpack';
import { deleteKeys, scanKeys, waitFor } from '@celerity/testing';
import type { Redis } from 'ioredis';
import { createRedisBackend } from '../src/index.js';
import type { RedisBackendOptions } from '../src/index.js';
import { loadFixture, metaVectors } from './fixtures.js';
import { REDIS_URL, rawClient, uniquePrefix } from './redis-helpers.js';

let prefix: string;
let raw: Redis;
let listener: Redis;
const backends: ResultBackend[] = [];
const extraKeys: string[] = [];

async function open(options: RedisBackendOptions = {}): Promise<ResultBackend> {
  const backend = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix, ...options });
  backends.push(backend);
  await backend.connect();
  return backend;
}

/** Subscribes a raw connection to channels and collects [channel, payload] in arrival order. */
async function record(channels: string[]): Promise<[string, string][]> {
  const got: [string, string][] = [];
  listener.on('message', (channel: string, payload: string) => got.push([channel, payload]));
  await listener.subscribe(...channels);
  return got;
}

beforeEach(() => {
  prefix = uniquePrefix();
  raw = rawClient();
  listener = rawClient();
});

afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
  await deleteKeys(raw, `${prefix}*`);
  if (extraKeys.length > 0) await raw.del(...extraKeys.splice(0));
  raw.disconnect();
  listener.disconnect();
});

describe('task results on the wire', () => {
  it('stores and publishes every captured meta byte for byte, with a 1-day TTL', async () => {
    const backend = await open();
    const vectors = metaVectors().filter((v, i, all) => all.findIndex((w) => w.key === v.key) === i);
    const got = await record(vectors.map((v) => `${prefix}${v.key}`));
    for (const vector of vectors) await backend.store(vector.decoded);
    await waitFor(() => got.length === vectors.length, { message: 'all publishes' });
    for (const vector of vectors) {
      const key = `${prefix}${vector.key}`;
      expect(await raw.get(key)).toBe(vector.value);
      expect(await raw.ttl(key)).toBeGreaterThan(86_390);
      expect(got).toContainEqual([key, vector.value]);
    }
  });

  it('uses celery-task-meta-<id> as key and channel when there is no prefix', async () => {
    prefix = '';
    const backend = await open();
    const id = randomUUID();
    const key = `celery-task-meta-${id}`;
    extraKeys.push(key);
    const got = await record([key]);
    await backend.store({ status: 'SUCCESS', result: 5, traceback: null, children: [], date_done: '2026-11-23T18:48:30.428921', task_id: id });
    const expected = `{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-23T18:48:30.428921", "task_id": "${id}"}`;
    expect(await raw.get(key)).toBe(expected);
    await waitFor(() => got.length === 1, { message: 'the publish' });
    expect(got[0]).toEqual([key, expected]);
  });

  it('sets no TTL when expires is 0 or null, and the given TTL otherwise', async () => {
    const meta = (id: string): ResultMeta => ({ status: 'SUCCESS', result: 1, traceback: null, children: [], date_done: null, task_id: id });
    await (await open({ expires: 0 })).store(meta('a'));
    await (await open({ expires: null })).store(meta('b'));
    await (await open({ expires: 60 })).store(meta('c'));
    expect(await raw.ttl(`${prefix}celery-task-meta-a`)).toBe(-1);
    expect(await raw.ttl(`${prefix}celery-task-meta-b`)).toBe(-1);
    const ttl = await raw.ttl(`${prefix}celery-task-meta-c`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('reads values written by Python and never overwrites (or republishes) their SUCCESS', async () => {
    const backend = await open();
    const [success] = metaVectors();
    if (!success) throw new Error('no vector');
    const key = `${prefix}${success.key}`;
    await raw.set(key, success.value);
    expect(await backend.get(success.decoded.task_id)).toEqual(success.decoded);
    expect(await backend.wait(success.decoded.task_id, { timeout: 5 })).toEqual(success.decoded);

    const sentinel = `${prefix}celery-task-meta-sentinel`;
    const got = await record([key, sentinel]);
    await backend.store({ ...success.decoded, status: 'STARTED', result: { pid: 1, hostname: 'x' }, date_done: null });
    await backend.storeMany([{ ...success.decoded, status: 'FAILURE' }]);
    await backend.store({ status: 'SUCCESS', result: 0, traceback: null, children: [], date_done: null, task_id: 'sentinel' });
    await waitFor(() => got.length > 0, { message: 'the sentinel publish' });
    // Publishes arrive in order, so by the sentinel's any publish of the skipped stores would be here.
    expect(got.map(([channel]) => channel)).toEqual([sentinel]);
    expect(await raw.get(key)).toBe(success.value);
  });

  it('recognises a stored SUCCESS in compact JSON, msgpack, and formats the script cannot read', async () => {
    const started = (id: string): ResultMeta => ({ status: 'STARTED', result: null, traceback: null, children: [], date_done: null, task_id: id });
    const compact = `{"result":1,"status":"SUCCESS","task_id":"j"}`;
    await raw.set(`${prefix}celery-task-meta-j`, compact);
    await (await open()).store(started('j'));
    expect(await raw.get(`${prefix}celery-task-meta-j`)).toBe(compact);

    // The captured msgpack SUCCESS; the serializer's name is all the store script looks at.
    const msgpackValue = Buffer.from(loadFixture<{ value_hex: string }>('result_msgpack_serializer').value_hex, 'hex');
    const fakeMsgpack: Serializer = { name: 'msgpack', contentType: 'application/x-msgpack', contentEncoding: 'binary', encode: () => new Uint8Array([0xc0]), decode: () => null };
    await raw.set(`${prefix}celery-task-meta-m`, msgpackValue);
    await (await open({ serializer: fakeMsgpack })).store(started('m'));
    expect(await raw.getBuffer(`${prefix}celery-task-meta-m`)).toEqual(msgpackValue);

    const custom: Serializer = {
      name: 'custom',
      contentType: 'application/x-custom',
      contentEncoding: 'utf-8',
      encode: (value) => new TextEncoder().encode(`custom:${JSON.stringify(value)}`),
      decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes).slice('custom:'.length)) as unknown,
    };
    const customBackend = await open({ serializer: custom });
    await customBackend.store({ ...started('c'), status: 'SUCCESS', result: 'kept' });
    await customBackend.store(started('c'));
    await customBackend.storeMany([started('c'), started('d')]);
    expect(await customBackend.get('c')).toMatchObject({ status: 'SUCCESS', result: 'kept' });
    expect(await customBackend.get('d')).toMatchObject({ status: 'STARTED' });
  });

  it('coalesces concurrent store() calls, keeping order per id and failing only the bad call', async () => {
    const backend = await open();
    const meta = (id: string, status: string, result: unknown): ResultMeta => ({ status, result, traceback: null, children: [], date_done: null, task_id: id });
    const calls = [
      backend.store(meta('same', 'SUCCESS', 'first')),
      backend.store(meta('same', 'STARTED', null)),
      backend.store(meta('', 'SUCCESS', 'no id')),
      ...Array.from({ length: 200 }, (_, i) => backend.store(meta(`many-${i}`, 'SUCCESS', i))),
    ];
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status).filter((s) => s === 'rejected')).toHaveLength(1);
    expect(settled[2]?.status).toBe('rejected');
    expect(await backend.get('same')).toMatchObject({ status: 'SUCCESS', result: 'first' });
    expect((await backend.get('many-199'))?.result).toBe(199);
    // Across script-call boundaries too (64 results per call).
    const many = Array.from({ length: 130 }, (_, i) => meta('cross', i === 70 ? 'SUCCESS' : 'STARTED', i));
    await backend.storeMany(many);
    expect(await backend.get('cross')).toMatchObject({ status: 'SUCCESS', result: 70 });
  });

  it('speaks result_serializer=msgpack: reads Python bytes, writes msgpack, keeps a msgpack SUCCESS', async () => {
    const f = loadFixture<{ key: string; value_hex: string; decoded: ResultMeta }>('result_msgpack_serializer');
    const backend = await open({ serializer: createMsgpackSerializer() });
    const id = f.decoded.task_id;
    const key = `${prefix}${f.key}`;
    const python = Buffer.from(f.value_hex, 'hex');
    await raw.set(key, python);
    expect(await backend.get(id)).toEqual({ ...f.decoded, children: [] });
    await backend.store({ ...f.decoded, status: 'STARTED', children: [], date_done: null });
    expect(await raw.getBuffer(key)).toEqual(python);

    // Our bytes: a msgpack map in Celery's key order, as Python's msgpack writes a dict.
    await backend.store({ ...f.decoded, task_id: 'ours', children: [] });
    const ours = await raw.getBuffer(`${prefix}celery-task-meta-ours`);
    if (!ours) throw new Error('not stored');
    expect(ours[0]).toBe(0x86); // fixmap, 6 entries
    const decoded = createMsgpackSerializer().decode(ours) as Record<string, unknown>;
    expect(Object.keys(decoded)).toEqual(['status', 'result', 'traceback', 'children', 'date_done', 'task_id']);
    expect(decoded).toEqual({ ...f.decoded, task_id: 'ours', children: [] });
  });

  it('storeMany stores ten thousand results in one call', async () => {
    const backend = await open();
    const metas: ResultMeta[] = Array.from({ length: 10_000 }, (_, i) => ({
      status: 'SUCCESS', result: { i }, traceback: null, children: [], date_done: '2026-01-01T00:00:00.000000+00:00', task_id: `bulk-${i}`,
    }));
    await backend.storeMany(metas);
    expect(new Set(await scanKeys(raw, `${prefix}celery-task-meta-bulk-*`, 2000)).size).toBe(10_000);
    expect(await raw.get(`${prefix}celery-task-meta-bulk-9999`)).toBe(
      '{"status": "SUCCESS", "result": {"i": 9999}, "traceback": null, "children": [], "date_done": "2026-01-01T00:00:00.000000+00:00", "task_id": "bulk-9999"}',
    );
  });
});

describe('groups and chords on the wire', () => {
  it('saves a group exactly as GroupResult.save(), published, with a TTL', async () => {
    const backend = await open();
    const f = loadFixture<{ group_key: { key: string; value: string }; members: { decoded: ResultMeta }[] }>('group_meta_taskset');
    const gid = f.group_key.key.replace('celery-taskset-meta-', '');
    const key = `${prefix}${f.group_key.key}`;
    const got = await record([key]);
    await backend.saveGroup(gid, f.members.map((m) => m.decoded.task_id));
    expect(await raw.get(key)).toBe(f.group_key.value);
    expect(await raw.ttl(key)).toBeGreaterThan(86_390);
    await waitFor(() => got.length === 1, { message: 'the group publish' });
    expect(got[0]).toEqual([key, f.group_key.value]);
    // A group saved by Python reads back too.
    await raw.set(`${prefix}celery-taskset-meta-py`, f.group_key.value.replace(gid, 'py'));
    expect(await backend.getGroup('py')).toEqual(f.members.map((m) => m.decoded.task_id));
  });

  it('runs the captured 3-task chord: .s, ZADD members and scores, completion, cleanup', async () => {
    const backend = await open();
    const f = loadFixture<{ group_id: string; commands: { args: string[] }[] }>('chord_backend_commands');
    const gid = f.group_id;
    const base = `${prefix}celery-taskset-meta-${gid}`;
    await backend.chordInit(gid, 3);
    expect(await raw.get(`${base}.s`)).toBe('3');
    expect(await raw.ttl(`${base}.s`)).toBeGreaterThan(86_390);

    const zadds = f.commands.filter((c) => c.args[0] === 'ZADD').map((c) => c.args);
    const parts = zadds.map((args) => {
      const [, taskId, status, result] = JSON.parse(args[3] as string) as [number, string, string, unknown];
      return { taskId, index: Number(args[2]), status, result };
    });
    const [first, second, third] = parts;
    if (!first || !second || !third) throw new Error('vector has 3 parts');
    expect(await backend.chordPartReturn(gid, second)).toEqual({ complete: false });
    expect(await backend.chordPartReturn(gid, first)).toEqual({ complete: false });
    expect(await raw.zrange(`${base}.j`, 0, '-1', 'WITHSCORES')).toEqual([zadds[0]?.[3], '0', zadds[1]?.[3], '1']);
    expect(await raw.ttl(`${base}.j`)).toBeGreaterThan(86_390);
    expect(await backend.chordPartReturn(gid, third)).toEqual({ complete: true, parts });
    expect(await raw.exists(`${base}.j`, `${base}.s`, `${base}.t`)).toBe(0);
  });

  it('counts .t (add_to_chord) and completes only once when a part is returned twice', async () => {
    const backend = await open();
    const base = `${prefix}celery-taskset-meta-g`;
    await backend.chordInit('g', 1);
    await raw.incr(`${base}.t`);
    const part = (i: number) => ({ taskId: `t${i}`, index: i, status: 'SUCCESS', result: i });
    expect(await backend.chordPartReturn('g', part(0))).toEqual({ complete: false });
    expect(await backend.chordPartReturn('g', part(0))).toEqual({ complete: false });
    expect(await backend.chordPartReturn('g', part(1))).toEqual({ complete: true, parts: [part(0), part(1)] });
    await backend.chordInit('h', 1);
    expect((await backend.chordPartReturn('h', part(0))).complete).toBe(true);
    // Redelivered after completion: the counters are gone, nothing completes again.
    expect(await backend.chordPartReturn('h', part(0))).toEqual({ complete: false });
  });
});
