/**
 * The result fence on the wire (core's `replacesStoredState`, done by the store script): values
 * Celery wrote and values we wrote are kept against stale states, by each way the script reads a
 * status (Celery's JSON layout by position, other JSON and msgpack by decoding, formats it cannot
 * read by the client's GET), and a fenced store neither writes nor publishes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResultBackend, ResultMeta, Serializer } from '@celerity/core';
import { createMsgpackSerializer } from '@celerity/serializer-msgpack';
import { deleteKeys, waitFor } from '@celerity/testing';
import type { Redis } from 'ioredis';
import { createRedisBackend } from '../src/index.js';
import type { RedisBackendOptions } from '../src/index.js';
import { loadFixture, metaVectors } from './fixtures.js';
import { REDIS_URL, rawClient, uniquePrefix } from './redis-helpers.js';

let prefix: string;
let raw: Redis;
let listener: Redis;
const backends: ResultBackend[] = [];

async function open(options: RedisBackendOptions = {}): Promise<ResultBackend> {
  const backend = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix, ...options });
  backends.push(backend);
  await backend.connect();
  return backend;
}

const meta = (id: string, status: string, result: unknown = null): ResultMeta => ({ status, result, traceback: null, children: [], date_done: null, task_id: id });
const failure = { exc_type: 'ValueError', exc_message: ['late'], exc_module: 'builtins' };
const key = (id: string): string => `${prefix}celery-task-meta-${id}`;

/** Stores each stale state through `store` and through `storeMany`. */
async function storeStale(backend: ResultBackend, id: string, states: readonly string[]): Promise<void> {
  for (const state of states) {
    const result = state === 'FAILURE' || state === 'RETRY' || state === 'REVOKED' ? failure : { pid: 1, hostname: 'stale' };
    await backend.store(meta(id, state, result));
    await backend.storeMany([meta(id, state, result)]);
  }
}

beforeEach(() => {
  prefix = uniquePrefix();
  raw = rawClient();
  listener = rawClient();
});

afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
  await deleteKeys(raw, `${prefix}*`);
  raw.disconnect();
  listener.disconnect();
});

describe('the result fence on Redis', () => {
  it('keeps every ready value Celery captured against stale states, without writing or publishing', async () => {
    const backend = await open();
    const ready = metaVectors().filter((v) => ['SUCCESS', 'FAILURE', 'REVOKED'].includes(v.decoded.status));
    expect(new Set(ready.map((v) => v.decoded.status))).toEqual(new Set(['SUCCESS', 'FAILURE', 'REVOKED']));
    const got: string[] = [];
    listener.on('message', (channel: string) => got.push(channel));
    const sentinel = key('sentinel');
    await listener.subscribe(sentinel, ...ready.map((v) => `${prefix}${v.key}`));
    for (const vector of ready) {
      await raw.set(`${prefix}${vector.key}`, vector.value);
      await storeStale(backend, vector.decoded.task_id, ['STARTED', 'RETRY', 'PROGRESS', 'FAILURE', 'REVOKED']);
    }
    await backend.store(meta('sentinel', 'SUCCESS', 0));
    await waitFor(() => got.length > 0, { message: 'the sentinel publish' });
    // Publishes arrive in order: by the sentinel's, a publish of any fenced store would be here.
    expect(got).toEqual([sentinel]);
    for (const vector of ready) expect(await raw.get(`${prefix}${vector.key}`)).toBe(vector.value);
  });

  it('lets a SUCCESS replace a FAILURE or REVOKED Celery wrote (Celery guards SUCCESS only)', async () => {
    const backend = await open();
    for (const vector of metaVectors().filter((v) => v.decoded.status === 'FAILURE' || v.decoded.status === 'REVOKED')) {
      await raw.set(`${prefix}${vector.key}`, vector.value);
      await backend.store(meta(vector.decoded.task_id, 'SUCCESS', 'ran again'));
      expect(await backend.get(vector.decoded.task_id)).toMatchObject({ status: 'SUCCESS', result: 'ran again' });
    }
  });

  it('reads the status, not words in the result: a STARTED or RETRY naming SUCCESS is replaced', async () => {
    const backend = await open();
    await backend.store(meta('words', 'STARTED', { note: 'SUCCESS FAILURE REVOKED' }));
    await backend.store(meta('words', 'RETRY', { exc_type: 'X', exc_message: ['"status": "SUCCESS"'], exc_module: 'm' }));
    await backend.store(meta('words', 'SUCCESS', 1));
    expect(await backend.get('words')).toMatchObject({ status: 'SUCCESS', result: 1 });
  });

  it('decodes values in another layout: compact JSON, status not first', async () => {
    const backend = await open();
    const compactFailure = JSON.stringify({ result: failure, status: 'FAILURE', task_id: 'c' });
    const compactStarted = JSON.stringify({ result: { words: 'SUCCESS' }, status: 'STARTED', task_id: 's' });
    await raw.set(key('c'), compactFailure);
    await raw.set(key('s'), compactStarted);
    await storeStale(backend, 'c', ['STARTED', 'RETRY', 'REVOKED']);
    expect(await raw.get(key('c'))).toBe(compactFailure);
    await backend.storeMany([meta('s', 'FAILURE', failure), meta('c', 'SUCCESS', 2)]);
    expect(await backend.get('s')).toMatchObject({ status: 'FAILURE' });
    expect(await backend.get('c')).toMatchObject({ status: 'SUCCESS', result: 2 });
  });

  it('fences msgpack values (result_serializer=msgpack) the same way', async () => {
    const backend = await open({ serializer: createMsgpackSerializer() });
    const captured = loadFixture<{ value_hex: string; decoded: ResultMeta }>('result_msgpack_serializer');
    const id = captured.decoded.task_id;
    await raw.set(key(id), Buffer.from(captured.value_hex, 'hex'));
    await storeStale(backend, id, ['STARTED', 'FAILURE']);
    expect(await raw.getBuffer(key(id))).toEqual(Buffer.from(captured.value_hex, 'hex'));
    await backend.store(meta('mp', 'FAILURE', failure));
    await storeStale(backend, 'mp', ['STARTED', 'RETRY', 'REVOKED']);
    expect(await backend.get('mp')).toMatchObject({ status: 'FAILURE', result: failure });
    await backend.store(meta('mp', 'SUCCESS', 'recovered'));
    expect(await backend.get('mp')).toMatchObject({ status: 'SUCCESS', result: 'recovered' });
  });

  it('fences on the client side for a serializer the script cannot read', async () => {
    const custom: Serializer = {
      name: 'custom',
      contentType: 'application/x-custom',
      contentEncoding: 'utf-8',
      encode: (value) => new TextEncoder().encode(`custom:${JSON.stringify(value)}`),
      decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes).slice('custom:'.length)) as unknown,
    };
    const backend = await open({ serializer: custom });
    await backend.store(meta('f', 'FAILURE', failure));
    await storeStale(backend, 'f', ['STARTED', 'REVOKED']);
    await backend.storeMany([meta('f', 'RETRY', failure), meta('g', 'REVOKED', failure), meta('g', 'STARTED')]);
    expect(await backend.get('f')).toMatchObject({ status: 'FAILURE', result: failure });
    expect(await backend.get('g')).toMatchObject({ status: 'REVOKED' });
    await backend.store(meta('f', 'SUCCESS', 3));
    expect(await backend.get('f')).toMatchObject({ status: 'SUCCESS', result: 3 });
  });

  it('a chord part stored twice with different results counts once and keeps the first', async () => {
    const backend = await open();
    await backend.chordInit('g1', 2);
    const first = { taskId: 'p0', index: 0, status: 'SUCCESS', result: 'first' };
    expect(await backend.chordPartReturn('g1', first)).toEqual({ complete: false });
    expect(await backend.chordPartReturn('g1', { ...first, result: 'second' })).toEqual({ complete: false });
    // A task added by `replace` shares its group_index: it still counts.
    expect(await backend.chordPartReturn('g1', { taskId: 'p0-replacement', index: 0, status: 'SUCCESS', result: 'r' })).toMatchObject({
      complete: true,
      parts: [first, { taskId: 'p0-replacement', result: 'r' }],
    });
  });
});
