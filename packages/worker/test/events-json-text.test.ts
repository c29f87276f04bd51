/** The hand-written JSON of task events: the same text as JSON.stringify for any string. */
import { describe, expect, it } from 'vitest';
import { jsonInner, jsonString, jsonStringOrNull } from '../src/events/json-text.js';

describe('jsonString', () => {
  it('writes exactly what JSON.stringify writes, escapes and all', () => {
    const samples = ['', 'tasks.add', '6aae7816-476f-45dc-b163-879dfdbccac9', 'say "hi"', 'back\\slash', 'tab\there', 'nl\n', '\u0000\u001f', '\u007f', 'é ☃', '😀', 'lone \ud800', 'lone \udc00 low', '\u2028'];
    for (const sample of samples) expect(jsonString(sample)).toBe(JSON.stringify(sample));
  });

  it('writes without the quotes what it writes between them (jsonInner)', () => {
    const samples = ['', 'tasks.add', 'say "hi"', 'back\\slash', 'nl\n', '\u0000\u001f', 'é ☃', '😀', 'lone \ud800'];
    for (const sample of samples) expect(`"${jsonInner(sample)}"`).toBe(JSON.stringify(sample));
  });

  it('writes null for null', () => {
    expect(jsonStringOrNull(null)).toBe('null');
    expect(jsonStringOrNull('a"b')).toBe('"a\\"b"');
  });
});
