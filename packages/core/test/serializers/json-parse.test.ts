// The pre-scan decides between native JSON.parse and the Python-forms parser, skipping string
// literals with indexOf. A scan that misread where a string ends would miss a bare NaN (JSON.parse
// then rejects the text), miss a big integer (it comes back rounded) or count brackets inside a
// string as nesting: each case below fails if it did.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '@celerity/core';
import { parseJsonText } from '../../src/serializers/json-parse.js';

const BIG = 12345678901234567890n;

describe('parseJsonText: string literals in the pre-scan', () => {
  it('finds NaN / Infinity after a string holding an escaped quote', () => {
    expect(parseJsonText('["a\\"b", NaN, -Infinity]')).toEqual(['a"b', NaN, -Infinity]);
  });

  it('ends a string at a quote after an even run of backslashes', () => {
    expect(parseJsonText('["a\\\\", NaN]')).toEqual(['a\\', NaN]);
    expect(parseJsonText('["\\\\\\\\\\"", Infinity]')).toEqual(['\\\\"', Infinity]);
  });

  it('finds a big integer after strings with escapes', () => {
    expect(parseJsonText('["\\\\\\"x", {"k\\"": 12345678901234567890}]')).toEqual(['\\"x', { 'k"': BIG }]);
  });

  it('takes the native path for Python-looking text inside strings', () => {
    expect(parseJsonText('["NaN \\" Infinity 12345678901234567890 [[[["]', 2)).toEqual(['NaN " Infinity 12345678901234567890 [[[[']);
  });

  it('counts nesting outside strings only, and still throws past the limit', () => {
    expect(parseJsonText('[["]]]]]]\\"[[[[[["]]', 2)).toEqual([[']]]]]]"[[[[[[']]);
    expect(() => parseJsonText('[["\\"", [1]]]', 2)).toThrow(DecodeError);
  });

  it('rejects an unterminated string with a DecodeError', () => {
    expect(() => parseJsonText('["abc\\"]')).toThrow(DecodeError);
    expect(() => parseJsonText('["abc')).toThrow(DecodeError);
  });

  it('reads any string followed by NaN and a big integer the same as JSON.parse reads the string', () => {
    const unit = fc.constantFrom('"', '\\', 'a', 'N', 'I', '1', '[', '{', '\u00e9');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (s) => {
        expect(parseJsonText(`[${JSON.stringify(s)}, NaN, ${JSON.stringify(s)}, 12345678901234567890]`)).toEqual([s, NaN, s, BIG]);
      }),
    );
  });
});
