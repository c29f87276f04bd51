/** The bytes of a task event list: numbers, strings that need escapes half-way, growth past the first buffer. */
import { describe, expect, it } from 'vitest';
import { EventList, EventWriter } from '../src/events/event-list.js';

const NOW = Date.UTC(2026, 11, 7, 6, 0, 0, 250);

describe('EventList', () => {
  it('writes numbers as JSON writes them', () => {
    const samples = [0, 7, 10, 99, 12345, 1073741823, 1073741824, 2 ** 40, 0.000123, 1e-7, 12.5, -3];
    for (const sample of samples) {
      const list = new EventList(false, 4);
      list.number(sample);
      expect(list.finish().toString('latin1')).toBe(JSON.stringify(sample));
    }
  });

  it('escapes a string from the first character that needs it, after copying the plain start', () => {
    const list = new EventList(false, 4);
    list.ascii('"');
    list.inner('plain start then "quote" and é');
    list.ascii('"');
    expect(list.finish().toString('latin1')).toBe('"plain start then \\"quote\\" and \\u00e9"');
  });

  it('grows past its first buffer and keeps every event', () => {
    const writer = new EventWriter('w@test', 42);
    const list = new EventList(true, 64);
    const ids = Array.from({ length: 300 }, (_, i) => `id-${i}-${'x'.repeat(i % 50)}`);
    for (const [i, id] of ids.entries()) {
      writer.received(list, 3 * i + 1, NOW, id, 'tasks.add', `(${i}, ${i})`, '{}', id, null, 0, null, null);
      writer.started(list, 3 * i + 2, NOW, id);
      writer.succeeded(list, 3 * i + 3, NOW + 1, id, String(2 * i), 0.001);
    }
    expect(list.count).toBe(900);
    const events = JSON.parse(list.finish().toString('latin1')) as Array<Record<string, unknown>>;
    expect(events).toHaveLength(900);
    expect(events.map((e) => e['clock'])).toEqual(Array.from({ length: 900 }, (_, i) => i + 1));
    expect(events.filter((e) => e['type'] === 'task-succeeded').map((e) => e['uuid'])).toEqual(ids);
    expect(events[899]).toMatchObject({ uuid: ids[299], result: '598', runtime: 0.001, timestamp: (NOW + 1) / 1000 });
  });
});
