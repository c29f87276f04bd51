import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSerializerRegistry, decodeTaskMessage, encodeTaskMessage, type Envelope } from '@celerity/core';
import { createJsonSerializer } from '../../src/serializers/json.js';

const legacy = createJsonSerializer();
const tagged = createJsonSerializer({ mode: 'tagged' });
const serializers = createSerializerRegistry([legacy]);
const utf8 = new TextEncoder();

/** Any UTF-16 unit sequence, lone surrogates included (Python's json round-trips them too). */
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
const unicodeString = fc.oneof(anyString, fc.string({ unit: 'grapheme' }));
/** bigints are exact only where a double is not: safe-range ones come back as numbers by design. */
const bigInt = fc.oneof(fc.bigInt({ min: 2n ** 53n, max: 2n ** 200n }), fc.bigInt({ min: -(2n ** 200n), max: -(2n ** 53n) }));
// -0 is written as 0 (JSON has no negative zero integer), so it is left out of the round trip.
const double = fc.double().map((d) => (Object.is(d, -0) ? 0 : d));

const { value: argValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    double,
    fc.integer(),
    bigInt,
    unicodeString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(unicodeString, tie('value'), { maxKeys: 5 }),
  ),
}));

/**
 * What a value decodes to: an integral number past 2^53 is written as its shortest integer literal
 * (`String(n)`, below 1e21) and comes back as that bigint — the only exact reading of such a
 * literal, whoever wrote it. From 1e21 on, JS writes exponent form, which stays a number.
 */
function expectedAfterJson(value: unknown): unknown {
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21 ? BigInt(String(value)) : value;
  }
  if (Array.isArray(value)) return value.map(expectedAfterJson);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expectedAfterJson(v)]));
  }
  return value;
}

describe('task message round trip', () => {
  it('arbitrary args / kwargs (unicode, bigints, NaN, nesting) survive encode → decode', () => {
    fc.assert(
      fc.property(fc.array(argValue, { maxLength: 6 }), fc.dictionary(unicodeString, argValue, { maxKeys: 6 }), (args, kwargs) => {
        const envelope = encodeTaskMessage({ task: 'tasks.echo', id: 'id-1', args, kwargs }, { serializer: legacy });
        for (const byte of envelope.body) expect(byte).toBeLessThan(0x80);
        const message = decodeTaskMessage(envelope, { serializers });
        expect(message.args).toEqual(expectedAfterJson(args));
        expect(message.kwargs).toEqual(expectedAfterJson(kwargs));
      }),
      { numRuns: 300 },
    );
    // 300 random messages, some large: 2.3 s alone at a load average of 8, past vitest's 5 s default
    // on a busier machine (a CI run with two files at a time), so this one is given longer.
  }, 30_000);

  it('every header field survives encode → decode', () => {
    const fields = fc.record({
      eta: fc.date({ min: new Date(Date.UTC(1, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
      retries: fc.nat(),
      timeLimit: fc.tuple(fc.option(fc.nat()), fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }))),
      group: fc.option(fc.uuid()),
      groupIndex: fc.option(fc.nat()),
      shadow: fc.option(unicodeString),
      ignoreResult: fc.boolean(),
      priority: fc.integer({ min: 0, max: 9 }),
      stamps: fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue(), { maxKeys: 3 }),
    });
    fc.assert(
      fc.property(fields, (f) => {
        const env = encodeTaskMessage({ task: 't', id: 'i', parentId: 'p', rootId: 'r', replyTo: 'q', ...f }, { serializer: legacy });
        const m = decodeTaskMessage(env, { serializers });
        expect(m).toMatchObject({ task: 't', id: 'i', parentId: 'p', rootId: 'r', replyTo: 'q', correlationId: 'i' });
        expect(m.eta).toEqual(f.eta);
        expect([m.retries, m.timeLimit, m.group, m.groupIndex, m.shadow]).toEqual([f.retries, f.timeLimit, f.group, f.groupIndex, f.shadow]);
        expect([m.ignoreResult, m.priority, m.stamps]).toEqual([f.ignoreResult, f.priority, f.stamps]);
        expect(m.stampedHeaders).toEqual(Object.keys(f.stamps));
      }),
      { numRuns: 200 },
    );
  });

  it('tagged mode carries Date and bytes arguments as Date and Uint8Array', () => {
    const when = new Date(Date.UTC(2026, 10, 23, 18, 46, 42, 215));
    const blob = new Uint8Array([0, 1, 255]);
    const env = encodeTaskMessage({ task: 't', id: 'i', args: [when], kwargs: { blob } }, { serializer: tagged });
    const m = decodeTaskMessage(env, { serializers });
    expect(m.args).toEqual([when]);
    expect(m.kwargs['blob']).toEqual(blob);
  });
});

function envelopeOf(body: string, headers: Record<string, unknown>): Envelope {
  return { body: utf8.encode(body), contentType: 'application/json', contentEncoding: 'utf-8', headers, properties: {} };
}

describe('Celery 5.3–5.6 forms', () => {
  it('decodes the tagged body of the appendix §1 example', () => {
    const body =
      '[[{"__type__": "datetime", "__value__": "2026-11-23T18:46:42.215765+00:00"}, {"__type__": "date", "__value__": "2026-11-23"}], ' +
      '{"amount": {"__type__": "decimal", "__value__": "9.99"}, "blob": {"__type__": "bytes", "__value__": "\\u0000\\u0001"}}, ' +
      '{"callbacks": null, "errbacks": null, "chain": null, "chord": null}]';
    const m = decodeTaskMessage(envelopeOf(body, { task: 't', id: 'i' }), { serializers });
    expect(m.args).toEqual([new Date(Date.UTC(2026, 10, 23, 18, 46, 42, 215)), '2026-11-23']);
    expect(m.kwargs).toEqual({ amount: '9.99', blob: new Uint8Array([0, 1]) });
  });

  it('decodes stamps, stamped_headers and replaced_task_nesting headers (appendix §2.1/2.2)', () => {
    const headers = {
      lang: 'py', task: 'tasks.add', id: 'b9292f56-29c5-474f-a77a-a132161ba9d3', shadow: null, eta: null, expires: null,
      group: null, group_index: null, retries: 0, timelimit: [null, null], root_id: 'b9292f56-29c5-474f-a77a-a132161ba9d3',
      parent_id: null, argsrepr: '(2,)', kwargsrepr: "{'y': 3}", origin: 'gen10772@vm', ignore_result: false,
      replaced_task_nesting: 2, stamped_headers: ['monitoring_id'], stamps: { monitoring_id: 'm-1' },
    };
    const body = '[[2], {"y": 3}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]';
    const m = decodeTaskMessage(envelopeOf(body, headers), { serializers });
    expect(m).toMatchObject({ replacedTaskNesting: 2, stampedHeaders: ['monitoring_id'], stamps: { monitoring_id: 'm-1' }, customHeaders: {} });
    const unstamped = decodeTaskMessage(envelopeOf(body, { ...headers, stamped_headers: null, stamps: {} }), { serializers });
    expect([unstamped.stampedHeaders, unstamped.stamps]).toEqual([[], {}]);
  });

  it('accepts eta with Z, +0000, 3 or 7 fraction digits (dateutil readers, user-passed strings)', () => {
    for (const eta of ['2026-11-23T18:46:42.215Z', '2026-11-23T18:46:42.2150000+0000', '2026-11-23T19:46:42.215+01:00']) {
      const m = decodeTaskMessage(envelopeOf('[[], {}, null]', { task: 't', id: 'i', eta }), { serializers });
      expect(m.eta?.toISOString()).toBe('2026-11-23T18:46:42.215Z');
    }
  });

  it('a hybrid message (v2 headers, v1 dict body) reads the body with headers laid over it', () => {
    const body = '{"task": "old.name", "id": "x", "args": [1], "kwargs": {"k": 2}, "retries": 3, "callbacks": null}';
    const m = decodeTaskMessage(envelopeOf(body, { task: 'tasks.add', 'x-trace': 't' }), { serializers });
    expect(m).toMatchObject({ protocol: 1, task: 'tasks.add', id: 'x', args: [1], kwargs: { k: 2 }, retries: 3, customHeaders: { 'x-trace': 't' } });
  });
});
