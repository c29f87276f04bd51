import { describe, expect, it } from 'vitest';
import { createJsonSerializer } from '@celerity/core';
import type { Serializer } from '@celerity/core';
import { addPythonSeparators, withPythonSeparators } from '../src/python-separators.js';
import { resultSerializer } from '../src/default-serializer.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('addPythonSeparators', () => {
  it('spaces separators outside strings only', () => {
    expect(text(addPythonSeparators(utf8('{"a":[1,2,{"b:c":"x, y"}],"d":"\\":,"}')))).toBe('{"a": [1, 2, {"b:c": "x, y"}], "d": "\\":,"}');
  });

  it('is idempotent on Python-formatted input and keeps UTF-8 bytes intact', () => {
    const python = '{"a": [1, 2], "é": "☃,:"}';
    expect(text(addPythonSeparators(utf8(python)))).toBe(python);
    expect(text(addPythonSeparators(utf8('{"é":"☃,:","x":[1,2]}')))).toBe('{"é": "☃,:", "x": [1, 2]}');
  });

  it('matches JSON.stringify + Python formatting for arbitrary values', () => {
    const value = { s: 'a,b:c "q" \\ ,', n: [1, -2.5, null, true], o: { k: { l: [] } }, e: {} };
    const spaced = text(addPythonSeparators(utf8(JSON.stringify(value))));
    expect(JSON.parse(spaced)).toEqual(value);
    expect(spaced).toBe('{"s": "a,b:c \\"q\\" \\\\ ,", "n": [1, -2.5, null, true], "o": {"k": {"l": []}}, "e": {}}');
  });
});

describe('resultSerializer', () => {
  it('wraps JSON serializers and leaves others alone', () => {
    const binary: Serializer = { name: 'bin', contentType: 'application/x-bin', contentEncoding: 'binary', encode: () => utf8('{"a":1}'), decode: () => null };
    expect(resultSerializer(binary)).toBe(binary);
    const json = withPythonSeparators(createJsonSerializer({ mode: 'tagged' }));
    expect(text(json.encode({ a: [1, 2] }))).toBe('{"a": [1, 2]}');
    expect(text(resultSerializer(undefined).encode({ a: 'é', d: '\x7f' }))).toBe('{"a": "\\u00e9", "d": "\\u007f"}');
  });
});
