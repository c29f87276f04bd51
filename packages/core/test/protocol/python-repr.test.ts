import { describe, expect, it } from 'vitest';
import { pythonRepr } from '../../src/protocol/python-repr.js';

describe('pythonRepr (expected strings are what CPython prints)', () => {
  it.each<[string, unknown, string]>([
    ['list of ints', [4, 4], '[4, 4]'],
    ['kwargs dict', { y: 3 }, "{'y': 3}"],
    ['empty containers', [[], {}], '[[], {}]'],
    ['None / bools', [null, undefined, true, false], '[None, None, True, False]'],
    ['quote choice', ["it's", 'a"b', 'both\'"'], `["it's", 'a"b', 'both\\'"']`],
    ['escapes', ['\\ \n\r\t\x00\x7f'], "['\\\\ \\n\\r\\t\\x00\\x7f']"],
    ['printable unicode kept', ['héllo wörld ☃ 😀'], "['héllo wörld ☃ 😀']"],
    ['non-printable unicode escaped', ['\u00a0\u200b\ud800\u{e0001}'], "['\\xa0\\u200b\\ud800\\U000e0001']"],
    ['floats', [0.1, 1e-5, 1.5e22, 2.5, Number.NaN, -Infinity], '[0.1, 1e-05, 1.5e+22, 2.5, nan, -inf]'],
    ['big ints', [10 ** 16, 9007199254740993n], '[10000000000000000, 9007199254740993]'],
    ['bytes', [new Uint8Array([0, 39, 65, 92, 255])], `[b"\\x00'A\\\\\\xff"]`],
    ['datetime', [new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))], '[datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)]'],
    ['datetime whole minute', [new Date(Date.UTC(2030, 0, 1, 12))], '[datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)]'],
    ['Map and Set', [new Map<unknown, unknown>([[1, 'x']]), new Set([1]), new Set()], "[{1: 'x'}, {1}, set()]"],
  ])('%s', (_name, value, expected) => {
    expect(pythonRepr(value)).toBe(expected);
  });

  it('writes the common flat shapes (scalar lists, empty kwargs) as the general writer does', () => {
    expect(pythonRepr([])).toBe('[]');
    expect(pythonRepr({})).toBe('{}');
    expect(pythonRepr(Object.create({ inherited: 1 }) as object)).toBe('{}');
    expect(pythonRepr(Object.create(null) as object)).toBe('{}');
    expect(pythonRepr(Object.assign(Object.create(null) as object, { y: 1 }))).toBe("{'y': 1}");
    // eslint-disable-next-line no-sparse-arrays
    expect(pythonRepr([1, , 'a'])).toBe("[1, None, 'a']");
    expect(pythonRepr([1, 2], { maxLevels: 0 })).toBe('[...]');
    expect(pythonRepr({}, { maxLevels: 0 })).toBe('{...}');
    expect(pythonRepr(['abcdef', 'ghijkl'], { maxLength: 12 })).toBe("['abcdef', '...");
  });

  it('elides containers 3 levels down, like saferepr in the captured argsrepr', () => {
    expect(pythonRepr([{ nested: { a: [1], b: { c: 1 } }, s: 'x' }])).toBe("[{'nested': {'a': [...], 'b': {...}}, 's': 'x'}]");
    expect(pythonRepr([[[[1]]]], { maxLevels: 10 })).toBe('[[[[1]]]]');
  });

  it('cuts long output at maxLength and ends it with ...', () => {
    const out = pythonRepr(['x'.repeat(50 * 1024 * 1024)]);
    expect(out).toHaveLength(1024 + 3);
    expect(out.startsWith("['xxx")).toBe(true);
    expect(out.endsWith('...')).toBe(true);
    expect(pythonRepr(Array.from({ length: 10 }, (_, i) => i), { maxLength: 10 })).toBe('[0, 1, 2, ...');
  });

  it('shows cycles instead of recursing', () => {
    const a: unknown[] = [1];
    a.push(a);
    expect(pythonRepr(a, { maxLevels: 100 })).toBe('[1, [...]]');
  });
});
