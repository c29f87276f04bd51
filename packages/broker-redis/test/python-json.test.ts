import { describe, expect, it } from 'vitest';
import { EncodeError } from '@celerity/core';
import { encodePythonJson, pythonJsonNumber } from '../src/python-json.js';

describe('encodePythonJson', () => {
  it('uses Python separators and keeps key order', () => {
    expect(encodePythonJson({ b: 1, a: [true, false, null], c: {} , d: []})).toBe('{"b": 1, "a": [true, false, null], "c": {}, "d": []}');
  });

  it('escapes like ensure_ascii', () => {
    expect(encodePythonJson('h\u00e9llo \u2603 \ud83d\ude00')).toBe('"h\\u00e9llo \\u2603 \\ud83d\\ude00"');
    expect(encodePythonJson('a"b\\c\n\t\r\b\f\u0001\u001f')).toBe('"a\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f"');
    expect(encodePythonJson('lone \ud800')).toBe('"lone \\ud800"');
  });

  it('writes numbers the way Python repr does', () => {
    const cases: Array<[number, string]> = [
      [0, '0'], [-0, '0'], [42, '42'], [0.1, '0.1'], [1795459741.7148366, '1795459741.7148366'],
      [1e-5, '1e-05'], [-2.5e-7, '-2.5e-07'], [0.0001, '0.0001'], [1e21, '1000000000000000000000'],
      [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [1.5e-300, '1.5e-300'],
    ];
    for (const [value, text] of cases) expect(pythonJsonNumber(value)).toBe(text);
    expect(encodePythonJson(9007199254740993n)).toBe('9007199254740993');
  });

  it('skips undefined in objects and writes null in arrays, honours toJSON', () => {
    expect(encodePythonJson({ a: undefined, b: [undefined, () => 1], d: new Date(0) })).toBe('{"b": [null, null], "d": "1970-01-01T00:00:00.000Z"}');
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => encodePythonJson({ a: new Uint8Array(1) })).toThrow(EncodeError);
    expect(() => encodePythonJson(new Map())).toThrow(EncodeError);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encodePythonJson(cyclic)).toThrow(EncodeError);
    const shared = { x: 1 };
    expect(encodePythonJson([shared, shared])).toBe('[{"x": 1}, {"x": 1}]');
  });
});
