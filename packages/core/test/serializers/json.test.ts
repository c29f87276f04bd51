import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError } from '@celerity/core';
import { createJsonSerializer, jsonSerializer, parseCeleryJson, stringifyCeleryJson } from '../../src/serializers/json.js';

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const decode = (s: string): unknown => jsonSerializer.decode(utf8.encode(s));
const tagged = createJsonSerializer({ mode: 'tagged' });

describe('JSON serializer identity', () => {
  it('is application/json, utf-8, named json; the default is legacy', () => {
    expect([jsonSerializer.name, jsonSerializer.contentType, jsonSerializer.contentEncoding]).toEqual(['json', 'application/json', 'utf-8']);
    expect(() => jsonSerializer.encode(new Uint8Array(1))).toThrow(EncodeError);
  });
});

describe('decode: what Python writes', () => {
  it('reads Python tokens NaN / Infinity / -Infinity', () => {
    expect(decode('[NaN, Infinity, -Infinity, 1.5]')).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5]);
    expect(decode('{"x": NaN}')).toEqual({ x: Number.NaN });
  });

  it('keeps integers beyond 2^53 exact as bigint and small ones as numbers', () => {
    expect(decode('[9007199254740993, -9007199254740993, 18446744073709551616]')).toEqual([
      9007199254740993n,
      -9007199254740993n,
      18446744073709551616n,
    ]);
    expect(decode('[9007199254740991, 1234567890123456, 0.1234567890123456789, 1e400]')).toEqual([
      9007199254740991,
      1234567890123456,
      0.1234567890123456789,
      Number.POSITIVE_INFINITY,
    ]);
    // Digits inside strings do not count as integers.
    expect(decode('"12345678123456781234567812345678"')).toBe('12345678123456781234567812345678');
  });

  it("caps integer literals at Python's 4300 digits (no seconds-long bigint conversions)", () => {
    expect(decode(`-${'9'.repeat(4300)}`)).toBe(-(10n ** 4300n - 1n));
    expect(() => decode('1'.repeat(4301))).toThrow(/4300 digits/);
    expect(() => decode(`[${'7'.repeat(50 * 1024 * 1024)}]`)).toThrow(DecodeError);
  });

  it('reads the slow path exactly like JSON.parse for ordinary JSON (escapes, unicode, __proto__ keys)', () => {
    const body = '{"s": "h\\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\/ \\b\\f\\n\\r\\t", "raw": "é😀", "__proto__": {"a": [true, false, null]}, "n": -0.5e-3}';
    const slow = (decode(`[NaN, ${body}]`) as unknown[])[1];
    expect(slow).toEqual(JSON.parse(body));
    expect(Object.getPrototypeOf(slow)).toBe(Object.prototype);
    expect(Object.keys(slow as object)).toContain('__proto__');
  });

  it('reads raw UTF-8 (non-ASCII written unescaped)', () => {
    expect(decode('["héllo ☃ 😀"]')).toEqual(['héllo ☃ 😀']);
  });

  it('reads only the bytes of a view into a larger buffer, ASCII or not', () => {
    const ascii = utf8.encode('xx["a\\u00e9\\u007f"]yy');
    expect(jsonSerializer.decode(ascii.subarray(2, ascii.length - 2))).toEqual(['a\u00e9\u007f']);
    const raw = utf8.encode('é["é"]é');
    expect(jsonSerializer.decode(raw.subarray(2, raw.length - 2))).toEqual(['é']);
  });

  it('decodes kombu ≥ 5.3 tagged values', () => {
    expect(
      decode(
        '[{"__type__": "datetime", "__value__": "2024-01-02T03:04:05.678901"},' +
          ' {"__type__": "datetime", "__value__": "2024-01-02T03:04:05.678000+02:00"},' +
          ' {"__type__": "date", "__value__": "2024-01-02"}, {"__type__": "time", "__value__": "01:02:03"},' +
          ' {"__type__": "decimal", "__value__": "1E+2"},' +
          ' {"__type__": "uuid", "__value__": {"hex": "12345678123456781234567812345678"}},' +
          ' {"__type__": "uuid", "__value__": {"hex": "ABCDEF00123456781234567812345678", "version": 4}},' +
          ' {"__type__": "bytes", "__value__": "h\\u00e9"}, {"__type__": "base64", "__value__": "/wA="}]',
      ),
    ).toEqual([
      new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
      new Date(Date.UTC(2024, 0, 2, 1, 4, 5, 678)),
      '2024-01-02',
      '01:02:03',
      '1E+2',
      '12345678-1234-5678-1234-567812345678',
      'abcdef00-1234-5678-1234-567812345678',
      new Uint8Array([0x68, 0xc3, 0xa9]),
      new Uint8Array([0xff, 0x00]),
    ]);
  });

  it('decodes tags at any depth, innermost first, and only with exactly the two keys', () => {
    expect(decode('{"a": {"b": [{"__type__": "decimal", "__value__": "1.10"}]}}')).toEqual({ a: { b: ['1.10'] } });
    const notTags = '[{"__type__": "decimal"}, {"__value__": 1}, {"__type__": "decimal", "__value__": "1", "x": 0}]';
    expect(decode(notTags)).toEqual(JSON.parse(notTags));
    expect(decode('{"__type__": "x", "__value__": {"__type__": "decimal", "__value__": "2"}}')).toEqual({ __type__: 'x', __value__: '2' });
  });

  it('passes unknown markers through by default, fails on them with unknownTypes: error', () => {
    const body = utf8.encode('[{"__type__": "money", "__value__": "9.99 EUR"}]');
    expect(jsonSerializer.decode(body)).toEqual([{ __type__: 'money', __value__: '9.99 EUR' }]);
    expect(() => createJsonSerializer({ unknownTypes: 'error' }).decode(body)).toThrow(DecodeError);
  });

  it.each([
    ['datetime', '"yesterday"'],
    ['datetime', '5'],
    ['uuid', '{"hex": "xyz"}'],
    ['base64', '"not base64!"'],
    ['base64', '"abc"'],
    ['bytes', '1'],
    ['decimal', 'null'],
  ])('a malformed tagged %s value → DecodeError', (type, value) => {
    expect(() => decode(`{"__type__": "${type}", "__value__": ${value}}`)).toThrow(DecodeError);
  });

  it.each([
    ['truncated', '[1, 2'],
    ['trailing data', '{} {}'],
    ['bare word', 'nan'],
    ['single quotes', "{'a': 1}"],
    ['control character in a string', '"a\u0001b"'],
    ['bad escape', '["\\x41", NaN]'],
    ['bad unicode escape', '["\\u12G4", NaN]'],
    ['leading zero', '[01, NaN]'],
    ['empty', ''],
  ])('malformed JSON (%s) → DecodeError', (_name, body) => {
    expect(() => decode(body)).toThrow(DecodeError);
  });

  it('invalid UTF-8 and non-bytes input → DecodeError', () => {
    expect(() => jsonSerializer.decode(new Uint8Array([0x22, 0xc3, 0x28, 0x22]))).toThrow(DecodeError);
    expect(() => jsonSerializer.decode('[]' as unknown as Uint8Array)).toThrow(DecodeError);
  });

  it('bounds nesting depth (maxDepth) on both paths', () => {
    expect(decode(`${'['.repeat(1000)}${']'.repeat(1000)}`)).toBeInstanceOf(Array);
    expect(() => decode(`${'['.repeat(1001)}${']'.repeat(1001)}`)).toThrow(/deeper than 1000/);
    expect(() => decode(`${'['.repeat(1001)}NaN${']'.repeat(1001)}`)).toThrow(DecodeError);
    const shallow = createJsonSerializer({ maxDepth: 2 });
    expect(() => shallow.decode(utf8.encode('[[[1]]]'))).toThrow(DecodeError);
    expect(shallow.decode(utf8.encode('[[1]]'))).toEqual([[1]]);
  });
});

describe('encode: what Python reads', () => {
  it('writes bigint digits, NaN / Infinity tokens, drops undefined like JSON.stringify', () => {
    expect(text(jsonSerializer.encode({ big: 2n ** 64n, neg: -(2n ** 70n), nan: Number.NaN, inf: [Infinity, -Infinity], u: undefined, f: () => 1 }))).toBe(
      '{"big":18446744073709551616,"neg":-1180591620717411303424,"nan":NaN,"inf":[Infinity,-Infinity]}',
    );
    expect(text(jsonSerializer.encode([undefined, () => 1, Symbol('s')]))).toBe('[null,null,null]');
    expect(text(jsonSerializer.encode(undefined))).toBe('null');
  });

  it('escapes every non-ASCII character like ensure_ascii (astral → surrogate pair, lowercase hex)', () => {
    expect(text(jsonSerializer.encode({ 'clé': 'héllo wörld ☃ 😀', lone: '\ud800' }))).toBe(
      '{"cl\\u00e9":"h\\u00e9llo w\\u00f6rld \\u2603 \\ud83d\\ude00","lone":"\\ud800"}',
    );
    // Same escaping on the slow path (a bigint forces the walker).
    expect(text(jsonSerializer.encode(['é', 1n]))).toBe('["\\u00e9",1]');
  });

  it('writes Date as the Celery string (legacy) or a tagged datetime (tagged)', () => {
    const d = new Date(Date.UTC(2026, 10, 23, 18, 46, 42, 215));
    expect(text(jsonSerializer.encode({ d }))).toBe('{"d":"2026-11-23T18:46:42.215000+00:00"}');
    expect(text(tagged.encode([d]))).toBe('[{"__type__":"datetime","__value__":"2026-11-23T18:46:42.215000+00:00"}]');
    expect(() => jsonSerializer.encode([new Date(Number.NaN)])).toThrow(EncodeError);
  });

  it('writes bytes as tagged base64, and refuses them in legacy mode', () => {
    expect(text(tagged.encode({ b: new Uint8Array([0xff, 0x00]), buf: Buffer.from('hi') }))).toBe(
      '{"b":{"__type__":"base64","__value__":"/wA="},"buf":{"__type__":"base64","__value__":"aGk="}}',
    );
    expect(text(tagged.encode([new Uint8Array([1, 2, 3, 4]).subarray(1, 3)]))).toBe('[{"__type__":"base64","__value__":"AgM="}]');
    expect(() => jsonSerializer.encode({ b: Buffer.from('hi') })).toThrow(EncodeError);
  });

  it('writes Map as an object (keys as Python writes dict keys), Set and typed arrays as arrays', () => {
    expect(text(jsonSerializer.encode(new Map<unknown, unknown>([[1, 'a'], ['k', new Set([1, 2])], [true, null]])))).toBe(
      '{"1":"a","k":[1,2],"true":null}',
    );
    expect(text(jsonSerializer.encode(new Int16Array([-1, 2])))).toBe('[-1,2]');
    expect(() => jsonSerializer.encode(new Map([[{}, 1]]))).toThrow(EncodeError);
  });

  it('honours toJSON and boxed primitives like JSON.stringify', () => {
    const custom = { toJSON: () => ({ v: 1n }) };
    expect(text(jsonSerializer.encode([custom, Object(2), Object('s')]))).toBe('[{"v":1},2,"s"]');
  });

  it('reports cycles as EncodeError', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    expect(() => jsonSerializer.encode(a)).toThrow(EncodeError);
    const arr: unknown[] = [1n];
    arr.push(arr);
    expect(() => jsonSerializer.encode(arr)).toThrow(/circular/);
  });

  it('keeps a value shared twice (not a cycle)', () => {
    const shared = { x: 1n };
    expect(text(jsonSerializer.encode([shared, shared]))).toBe('[{"x":1},{"x":1}]');
  });
});

describe('string helpers', () => {
  it('parseCeleryJson / stringifyCeleryJson work on text (whole Redis envelopes)', () => {
    const env = '{"body": "W10=", "headers": {"eta": {"__type__": "datetime", "__value__": "2030-01-01T12:00:00+00:00"}, "n": 9007199254740993}}';
    expect(parseCeleryJson(env)).toEqual({ body: 'W10=', headers: { eta: new Date(Date.UTC(2030, 0, 1, 12)), n: 9007199254740993n } });
    expect(stringifyCeleryJson({ s: 'é', n: 1n }, { mode: 'tagged' })).toBe('{"s":"\\u00e9","n":1}');
  });
});
