/** A task.multi list's bytes as the writer makes them: JSON.stringify's text, a buffer that grows, a take that starts afresh. */
import { describe, expect, it } from 'vitest';
import { utcOffsetHours } from '@celerity/core/internal';
import { EventListWriter } from '../src/events/event-list.js';

const NOW = Date.UTC(2026, 11, 7, 6, 0, 0, 250);
const common = (clock: number) => ({ hostname: 'w@test', utcoffset: utcOffsetHours(new Date(NOW)), pid: 42, clock });

describe('EventListWriter', () => {
  it('writes started, succeeded and other events as JSON.stringify would, in a list', () => {
    const list = new EventListWriter('w@test', 42);
    list.started(1, NOW, 'a');
    list.succeeded(2, NOW, 'a', "'ok'", 0.25);
    list.other(3, NOW + 1, 'task-failed', '"uuid":"b","exception":"E()"');
    expect(list.count).toBe(3);
    expect(list.take().toString('latin1')).toBe(
      JSON.stringify([
        { ...common(1), uuid: 'a', timestamp: NOW / 1000, type: 'task-started' },
        { ...common(2), uuid: 'a', result: "'ok'", runtime: 0.25, timestamp: NOW / 1000, type: 'task-succeeded' },
        { ...common(3), uuid: 'b', exception: 'E()', timestamp: (NOW + 1) / 1000, type: 'task-failed' },
      ]),
    );
    expect(list.count).toBe(0);
  });

  it('grows past its first size, and starts afresh after a take', () => {
    const list = new EventListWriter('w@test', 42, 64);
    const ids = Array.from({ length: 200 }, (_, i) => `id-${i}`);
    for (const [i, id] of ids.entries()) list.started(i, NOW, id);
    const events = JSON.parse(list.take().toString('latin1')) as Array<{ uuid: string; clock: number }>;
    expect(events.map((e) => e.uuid)).toEqual(ids);
    expect(events.map((e) => e.clock)).toEqual(ids.map((_, i) => i));
    list.started(7, NOW, 'next');
    expect(JSON.parse(list.take().toString('latin1'))).toEqual([{ ...common(7), uuid: 'next', timestamp: NOW / 1000, type: 'task-started' }]);
    list.other(8, NOW, 'worker-heartbeat', '');
    expect(list.take(false).toString('latin1')).toBe(JSON.stringify({ ...common(8), timestamp: NOW / 1000, type: 'worker-heartbeat' }));
  });

  it('writes a non-finite runtime as 0 and escapes a result as Python does', () => {
    const list = new EventListWriter('w@test', 42);
    list.succeeded(1, NOW, 'a', "'é\"'", Number.NaN);
    const text = list.take(false).toString('latin1');
    expect(text).toContain('"result":"\'\\u00e9\\"\'","runtime":0,');
    expect(JSON.parse(text)).toMatchObject({ result: "'é\"'", runtime: 0 });
  });
});
