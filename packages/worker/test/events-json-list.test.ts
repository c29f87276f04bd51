/** The UTF-8 bytes of a task.multi list, collected as events come. */
import { describe, expect, it } from 'vitest';
import { JsonListBytes } from '../src/events/json-list.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('JsonListBytes', () => {
  it('writes the items as one JSON list, and starts a new one after take', () => {
    const list = new JsonListBytes();
    list.add('{"a":1}');
    list.add('{"b":"☃ 😀"}');
    expect(list.count).toBe(2);
    expect(JSON.parse(text(list.take()))).toEqual([{ a: 1 }, { b: '☃ 😀' }]);
    expect(list.count).toBe(0);
    list.add('{"c":3}');
    expect(text(list.take())).toBe('[{"c":3}]');
    expect(text(list.take())).toBe('[]');
  });

  it('keeps every item of a long list, and leaves a taken list alone', () => {
    const list = new JsonListBytes();
    const items = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, text: 'é'.repeat(i) }));
    for (const item of items) list.add(item);
    const taken = list.take();
    list.add('{"next":true}');
    expect(text(taken)).toBe(`[${items.join(',')}]`);
  });
});
