import { describe, expect, it } from 'vitest';
import { asciiBytes } from '../src/ascii-bytes.js';

describe('asciiBytes', () => {
  it('writes the parts one after another between before and after, at their summed length', () => {
    const bytes = asciiBytes(['[{"a":1}', '', `,${'x'.repeat(5000)}`, ']'], '{"body": "', '"}');
    const text = `{"body": "[{"a":1},${'x'.repeat(5000)}]"}`;
    expect(bytes.length).toBe(text.length);
    expect(bytes.toString('latin1')).toBe(text);
  });

  it('writes nothing for no parts and no ends', () => {
    expect(asciiBytes([]).length).toBe(0);
    expect(asciiBytes([], 'a', 'b').toString('latin1')).toBe('ab');
  });
});
