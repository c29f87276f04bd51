/** The task-received event as written from its records: Celery's fields and order, on the common path and the other. */
import { describe, expect, it } from 'vitest';
import type { TaskMessage } from '@celerity/core';
import { utcOffsetHours } from '@celerity/core/internal';
import type { EventDispatcher } from '../src/events/event-dispatcher.js';
import { EventWriter, type EventRecords } from '../src/events/event-records.js';
import { TaskEvents } from '../src/events/task-events.js';

type ReceivedFields = Pick<TaskMessage, 'id' | 'task' | 'args' | 'kwargs' | 'argsrepr' | 'kwargsrepr' | 'rootId' | 'parentId' | 'retries' | 'eta' | 'expires'>;

const ID = '6aae7816-476f-45dc-b163-879dfdbccac9';
const base: ReceivedFields = { id: ID, task: 'tasks.add', args: [2, 3], kwargs: {}, argsrepr: '(2, 3)', kwargsrepr: '{}', rootId: ID, parentId: null, retries: 0, eta: null, expires: null };
const NOW = Date.UTC(2026, 11, 7, 6, 0, 0, 250);
const COMMON = ['hostname', 'utcoffset', 'pid', 'clock'];

// What received() records, written as the writer writes it and read back.
function receivedJson(fields: ReceivedFields): { text: string; parsed: Record<string, unknown> } {
  const records: EventRecords = [];
  let counted = 0;
  const dispatcher: EventDispatcher = {
    send: () => Promise.resolve(),
    sendBuffered: () => undefined,
    records: () => records,
    buffered: () => void counted++,
    now: () => NOW,
    flush: () => Promise.resolve(),
    forwardClock: () => 7,
    clockValue: () => 0,
  };
  new TaskEvents(dispatcher, true).received(fields as TaskMessage);
  expect(counted).toBe(1);
  const text = new EventWriter('w@test', 42).write(records, []).join('');
  return { text, parsed: JSON.parse(text) as Record<string, unknown> };
}

const ORDER = [...COMMON, 'uuid', 'name', 'args', 'kwargs', 'root_id', 'parent_id', 'retries', 'eta', 'expires', 'timestamp', 'type'];

describe('TaskEvents.received', () => {
  it('writes a root task due now, without expiry, as JSON.stringify would', () => {
    const { text } = receivedJson(base);
    expect(text).toBe(
      JSON.stringify({ hostname: 'w@test', utcoffset: utcOffsetHours(new Date(NOW)), pid: 42, clock: 7, uuid: ID, name: 'tasks.add', args: '(2, 3)', kwargs: '{}', root_id: ID, parent_id: null, retries: 0, eta: null, expires: null, timestamp: 1796623200.25, type: 'task-received' }),
    );
  });

  it('writes a child with an ETA and an expiry, and a message without root_id, with the same keys in the same order', () => {
    const eta = new Date('2026-12-07T03:00:00.123Z');
    const expires = new Date('2026-12-07T04:00:00Z');
    const child = receivedJson({ ...base, parentId: 'parent-1', retries: 2, eta, expires });
    expect(Object.keys(child.parsed)).toEqual(ORDER);
    expect(child.parsed).toMatchObject({ root_id: ID, parent_id: 'parent-1', retries: 2, eta: '2026-12-07T03:00:00.123000+00:00', expires: '2026-12-07T04:00:00.000000+00:00' });
    const orphan = receivedJson({ ...base, rootId: null });
    expect(Object.keys(orphan.parsed)).toEqual(ORDER);
    expect(orphan.parsed).toMatchObject({ root_id: null, parent_id: null, eta: null, expires: null });
  });

  it('escapes quotes, backslashes and controls in every string field', () => {
    const odd = 'a"b\\c\nd';
    const { parsed } = receivedJson({ ...base, id: odd, task: odd, argsrepr: odd, kwargsrepr: odd, rootId: odd });
    expect(parsed).toMatchObject({ uuid: odd, name: odd, args: odd, kwargs: odd, root_id: odd });
  });

  it('writes characters past ASCII as Python does (\\uXXXX), so the text is ASCII', () => {
    const { text, parsed } = receivedJson({ ...base, task: 'tâches.☃', argsrepr: "('é',)" });
    expect(text).toContain('"name":"t\\u00e2ches.\\u2603","args":"(\'\\u00e9\',)"');
    expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
    expect(parsed).toMatchObject({ name: 'tâches.☃', args: "('é',)" });
  });
});
