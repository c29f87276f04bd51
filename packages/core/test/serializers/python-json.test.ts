// The one Python-compatible JSON writer: every expected string here is what CPython's
// `json.dumps(value)` prints (checked with Python 3.11), so the Redis envelope and stored results
// built on it are byte for byte what kombu and Celery write.
import { describe, expect, it } from 'vitest';
import { EncodeError, createJsonSerializer, stringifyCeleryJson } from '@celerity/core';
import { pythonJsonNumber, pythonJsonString, stringifyPythonJson } from '@celerity/core/internal';

describe('stringifyPythonJson', () => {
  it('uses Python separators and keeps key order', () => {
    expect(stringifyPythonJson({ b: 1, a: [true, false, null], c: {}, d: [] })).toBe('{"b": 1, "a": [true, false, null], "c": {}, "d": []}');
  });

  it('escapes like ensure_ascii: DEL, non-ASCII, astral as surrogate pairs, control characters, lone surrogates', () => {
    // python3 -c 'import json; print(json.dumps("\x7f\u00e9\U0001F600\x00\x1f\ud800"))'
    expect(stringifyPythonJson('\x7f\u00e9\u{1F600}\x00\x1f\ud800')).toBe('"\\u007f\\u00e9\\ud83d\\ude00\\u0000\\u001f\\ud800"');
    expect(stringifyPythonJson('a"b\\c\n\t\r\b\f/')).toBe('"a\\"b\\\\c\\n\\t\\r\\b\\f/"');
    expect(stringifyPythonJson({ 'k\x7f': 'v' })).toBe('{"k\\u007f": "v"}');
  });

  it('writes numbers the way Python repr does', () => {
    // python3 -c 'import json; print(json.dumps([1e-05, 1e21, 0.1, 1e-7, -2.5e-7, 1.5e-300]))'
    expect(stringifyPythonJson([1e-5, 1e21, 0.1, 1e-7, -2.5e-7, 1.5e-300])).toBe('[1e-05, 1e+21, 0.1, 1e-07, -2.5e-07, 1.5e-300]');
    const cases: Array<[number, string]> = [
      [0, '0'], [-0, '0'], [42, '42'], [1795459741.7148366, '1795459741.7148366'], [0.0001, '0.0001'],
      [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
    ];
    for (const [value, text] of cases) expect(pythonJsonNumber(value)).toBe(text);
    expect(stringifyPythonJson(9007199254740993n)).toBe('9007199254740993');
  });

  it('skips undefined in objects, writes null in arrays, honours toJSON, writes dates the Celery way', () => {
    expect(stringifyPythonJson({ a: undefined, b: [undefined, () => 1], d: new Date(0) })).toBe('{"b": [null, null], "d": "1970-01-01T00:00:00.000000+00:00"}');
    expect(stringifyPythonJson({ d: new Date(0) }, 'tagged')).toBe('{"d": {"__type__": "datetime", "__value__": "1970-01-01T00:00:00.000000+00:00"}}');
    expect(stringifyPythonJson({ t: { toJSON: () => 'x' } })).toBe('{"t": "x"}');
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => stringifyPythonJson({ a: new Uint8Array(1) })).toThrow(EncodeError);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => stringifyPythonJson(cyclic)).toThrow(EncodeError);
    const shared = { x: 1 };
    expect(stringifyPythonJson([shared, shared])).toBe('[{"x": 1}, {"x": 1}]');
  });

  it('pythonJsonString writes plain strings as they are and escapes the rest', () => {
    expect(pythonJsonString('celery')).toBe('"celery"');
    expect(pythonJsonString('tab\tdel\x7f')).toBe('"tab\\tdel\\u007f"');
  });
});

describe('the JSON serializer writes through the same writer', () => {
  it('escapes DEL in the compact form too (the fast path and the walker agree)', () => {
    expect(stringifyCeleryJson(['\x7f'])).toBe('["\\u007f"]');
    expect(stringifyCeleryJson(['\x7f', 1n])).toBe('["\\u007f",1]');
  });

  it('escapes non-ASCII on the fast path, and leaves plain ASCII as JSON.stringify wrote it', () => {
    expect(stringifyCeleryJson({ s: 'é😀', t: '\x7e' })).toBe('{"s":"\\u00e9\\ud83d\\ude00","t":"~"}');
    expect(stringifyCeleryJson(['a\ud800'])).toBe('["a\\ud800"]');
  });

  it('writes small floats in Python form on both paths', () => {
    expect(stringifyCeleryJson([0.00001])).toBe('[1e-05]');
    expect(stringifyCeleryJson([0.00001, NaN])).toBe('[1e-05,NaN]');
    expect(stringifyCeleryJson([0.5, 1e21])).toBe('[0.5,1e+21]');
  });

  it("separators: 'python' gives json.dumps' bytes", () => {
    const json = createJsonSerializer({ separators: 'python' });
    expect(new TextDecoder().decode(json.encode({ a: [1, 'é'], b: null }))).toBe('{"a": [1, "\\u00e9"], "b": null}');
    expect(stringifyCeleryJson({ a: [1, 2] }, { separators: 'python' })).toBe('{"a": [1, 2]}');
    expect(stringifyCeleryJson({ a: [1, 2] })).toBe('{"a":[1,2]}');
  });
});
