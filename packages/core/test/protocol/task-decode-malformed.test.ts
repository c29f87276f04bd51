import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CelerityError,
  ContentDisallowedError,
  createSerializerRegistry,
  DecodeError,
  decodeTaskMessage,
  InvalidTaskError,
  type Envelope,
} from '@celerity/core';
import { createJsonSerializer } from '../../src/serializers/json.js';

const json = createJsonSerializer();
const serializers = createSerializerRegistry([json]);
const utf8 = new TextEncoder();

const HEADERS = { lang: 'py', task: 'tasks.add', id: 'a1', retries: 0, timelimit: [null, null], eta: null };
const EMBED = { callbacks: null, errbacks: null, chain: null, chord: null };

function envelope(body: Uint8Array | string, headers: Record<string, unknown> = HEADERS, contentType = 'application/json'): Envelope {
  return {
    body: typeof body === 'string' ? utf8.encode(body) : body,
    contentType,
    contentEncoding: 'utf-8',
    headers,
    properties: { correlationId: 'a1', priority: 0, deliveryMode: 2 },
  };
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const decode = (env: Envelope): unknown => decodeTaskMessage(env, { serializers });

describe('decodeTaskMessage rejects malformed messages with typed errors', () => {
  it('accepts the well-formed baseline', () => {
    expect(decodeTaskMessage(envelope(JSON.stringify([[1], { y: 2 }, EMBED])), { serializers })).toMatchObject({
      task: 'tasks.add',
      args: [1],
      kwargs: { y: 2 },
    });
    expect(decodeTaskMessage(envelope('[[1], {}, {}]'), { serializers }).embed).toEqual(EMBED);
  });

  it.each([
    ['truncated JSON', '[[1], {"y": 2}, {"callbacks"'],
    ['not JSON', 'hello'],
    ['trailing garbage', '[[], {}, null] x'],
    ['empty body', ''],
  ])('%s → DecodeError', (_name, body) => {
    const err = errorOf(() => decode(envelope(body)));
    expect(err).toBeInstanceOf(DecodeError);
    expect(err).not.toBeInstanceOf(InvalidTaskError);
  });

  it('invalid UTF-8 → DecodeError', () => {
    expect(() => decode(envelope(new Uint8Array([0x5b, 0xff, 0xfe, 0x5d])))).toThrow(DecodeError);
  });

  it.each([
    ['2-element body', '[[1], {}]', 'body'],
    ['4-element body', '[[1], {}, null, 1]', 'body'],
    ['args not an array', '[{"a": 1}, {}, null]', "'args'"],
    ['args null', '[null, {}, null]', "'args'"],
    ['kwargs an array', '[[], [], null]', "'kwargs'"],
    ['kwargs null', '[[], null, null]', "'kwargs'"],
    ['kwargs a string', '[[], "x", null]', "'kwargs'"],
    ['embed a string', '[[], {}, "x"]', 'embed'],
    ['embed.callbacks not a list', '[[], {}, {"callbacks": {"task": "t"}}]', 'callbacks'],
    ['signature without task', '[[], {}, {"chain": [{"args": []}]}]', 'chain[0]'],
    ['signature args not array', '[[], {}, {"chord": {"task": "t", "args": 1}}]', 'chord.args'],
    ['body is a number', '42', 'body'],
    ['body is a string', '"[[], {}, null]"', 'body'],
    ['body is null', 'null', 'body'],
  ])('%s → InvalidTaskError naming %s', (_name, body, field) => {
    const err = errorOf(() => decode(envelope(body)));
    expect(err).toBeInstanceOf(InvalidTaskError);
    expect((err as Error).message).toContain(field);
  });

  it('an envelope body that is not bytes → InvalidTaskError', () => {
    const env = { ...envelope('[]'), body: '[[], {}, null]' as unknown as Uint8Array };
    expect(() => decode(env)).toThrow(InvalidTaskError);
  });

  it('unknown or not-accepted content type → ContentDisallowedError', () => {
    expect(() => decode(envelope('[[], {}, null]', HEADERS, 'application/x-python-serialize'))).toThrow(ContentDisallowedError);
    const onlyMsgpack = createSerializerRegistry([json], { accept: ['application/x-msgpack'] });
    expect(() => decodeTaskMessage(envelope('[[], {}, null]'), { serializers: onlyMsgpack })).toThrow(ContentDisallowedError);
  });

  it('a 50 MB body decodes (under the 64 MiB default)', () => {
    const big = 'x'.repeat(50 * 1024 * 1024);
    const msg = decodeTaskMessage(envelope(`[["${big}"], {}, null]`), { serializers });
    expect((msg.args[0] as string).length).toBe(big.length);
  });

  it('a 50 MB hostile body (all "[") fails with DecodeError, not a hang or crash', () => {
    expect(() => decode(envelope('['.repeat(50 * 1024 * 1024)))).toThrow(DecodeError);
  });

  it('a 50 MB body of garbage bytes → DecodeError', () => {
    const bytes = new Uint8Array(50 * 1024 * 1024).fill(0x41);
    expect(() => decode(envelope(bytes))).toThrow(DecodeError);
  });

  it('a body over maxBodySize → DecodeError before parsing', () => {
    const body = JSON.stringify([['x'.repeat(2048)], {}, null]);
    expect(() => decodeTaskMessage(envelope(body), { serializers, maxBodySize: 1024 })).toThrow(/maxBodySize/);
    expect(decodeTaskMessage(envelope(body), { serializers, maxBodySize: 4096 }).args).toHaveLength(1);
  });

  it.each<[string, unknown]>([
    ['task', 1],
    ['task', ''],
    ['task', null],
    ['id', 5],
    ['id', ''],
    ['retries', '3'],
    ['retries', -1],
    ['retries', 1.5],
    ['timelimit', [1]],
    ['timelimit', 'x'],
    ['timelimit', [1, 'a']],
    ['eta', 'tomorrow'],
    ['eta', 5],
    ['eta', '2024-13-01T00:00:00'],
    ['expires', {}],
    ['group_index', '0'],
    ['group_index', 1.5],
    ['group', 2],
    ['shadow', 1],
    ['root_id', 1],
    ['parent_id', {}],
    ['argsrepr', 1],
    ['kwargsrepr', []],
    ['origin', true],
    ['ignore_result', 'yes'],
    ['replaced_task_nesting', 'x'],
    ['stamped_headers', 'monitoring_id'],
    ['stamped_headers', [1]],
    ['stamps', []],
    ['stamps', 'x'],
  ])('header %s = %j → InvalidTaskError naming it', (name, value) => {
    const err = errorOf(() => decode(envelope('[[], {}, null]', { ...HEADERS, [name]: value })));
    expect(err).toBeInstanceOf(InvalidTaskError);
    expect((err as Error).message).toContain(`'${name}'`);
  });

  it('array body without a task header → InvalidTaskError naming task', () => {
    const { task: _task, ...rest } = HEADERS;
    expect(() => decode(envelope('[[], {}, null]', rest))).toThrow(/'task'/);
  });

  it('headers that are not an object → InvalidTaskError', () => {
    expect(() => decode(envelope('[[], {}, null]', [] as unknown as Record<string, unknown>))).toThrow(InvalidTaskError);
  });

  it('protocol 1 bodies are validated too', () => {
    expect(() => decode(envelope('{"task": "t", "args": []}', {}))).toThrow(/'id'/);
    expect(() => decode(envelope('{"task": "t", "id": "x", "args": 1}', {}))).toThrow(/'args'/);
    expect(() => decode(envelope('{"task": "t", "id": "x", "kwargs": []}', {}))).toThrow(/'kwargs'/);
  });
});

/** Header tables near the valid shape: known names with arbitrary JSON values, plus random names. */
const headerTable = fc.record(
  {
    task: fc.oneof(fc.string(), fc.jsonValue()),
    id: fc.oneof(fc.string(), fc.jsonValue()),
    retries: fc.oneof(fc.nat(), fc.jsonValue()),
    eta: fc.oneof(fc.constant('2026-11-23T18:46:42.215765+00:00'), fc.string(), fc.jsonValue()),
    timelimit: fc.oneof(fc.constant([null, null]), fc.jsonValue()),
    group_index: fc.jsonValue(),
    stamps: fc.jsonValue(),
    stamped_headers: fc.jsonValue(),
    extra: fc.dictionary(fc.string(), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

const bodyValue = fc.oneof(
  fc.jsonValue(),
  fc.tuple(fc.jsonValue(), fc.jsonValue(), fc.jsonValue()),
  fc.tuple(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
);

function onlyCelerityErrors(env: Envelope): void {
  try {
    decodeTaskMessage(env, { serializers });
  } catch (err) {
    expect(err).toBeInstanceOf(CelerityError);
  }
}

describe('decodeTaskMessage property: succeeds or throws a CelerityError, nothing else', () => {
  it('arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => onlyCelerityErrors(envelope(bytes))));
  });

  it('arbitrary JSON bodies and header tables', () => {
    fc.assert(
      fc.property(bodyValue, headerTable, (body, table) => {
        const { extra, ...known } = table;
        onlyCelerityErrors(envelope(JSON.stringify(body) ?? 'null', { ...extra, ...known }));
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary dict bodies (protocol 1 path)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('task', 'id', 'args', 'kwargs', 'eta', 'retries', 'callbacks', 'chord', 'taskset'), fc.jsonValue()), (body) =>
        onlyCelerityErrors(envelope(JSON.stringify(body), {})),
      ),
      { numRuns: 300 },
    );
  });
});
