/** The hand-written JSON of task events: Python's `json.dumps` text (ASCII only) for any string. */
import { describe, expect, it } from 'vitest';
import { jsonInner, jsonString, jsonStringOrNull } from '../src/events/json-text.js';

// Strings JSON.stringify already writes as Python does: ASCII, with its escapes.
const ASCII = ['', 'tasks.add', '6aae7816-476f-45dc-b163-879dfdbccac9', 'say "hi"', 'back\\slash', 'tab\there', 'nl\n', '\u0000\u001f'];
// Python escapes DEL and everything past ASCII, as lowercase \uXXXX (astral characters as a pair).
const PYTHON: ReadonlyArray<[string, string]> = [
  ['\u007f', '"\\u007f"'],
  ['é ☃', '"\\u00e9 \\u2603"'],
  ['😀', '"\\ud83d\\ude00"'],
  ['lone \ud800', '"lone \\ud800"'],
  ['\u2028', '"\\u2028"'],
  ['"é"', '"\\"\\u00e9\\""'],
];

describe('jsonString', () => {
  it("writes what Python's json.dumps writes, ASCII only, and JSON reads it back", () => {
    for (const sample of ASCII) expect(jsonString(sample)).toBe(JSON.stringify(sample));
    for (const [sample, python] of PYTHON) {
      expect(jsonString(sample)).toBe(python);
      expect(JSON.parse(jsonString(sample))).toBe(sample);
    }
  });

  it('writes without the quotes what it writes between them (jsonInner)', () => {
    for (const sample of [...ASCII, ...PYTHON.map(([s]) => s)]) expect(`"${jsonInner(sample)}"`).toBe(jsonString(sample));
  });

  it('writes null for null', () => {
    expect(jsonStringOrNull(null)).toBe('null');
    expect(jsonStringOrNull('a"b')).toBe('"a\\"b"');
  });
});
