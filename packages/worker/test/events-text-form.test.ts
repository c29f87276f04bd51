/** Event lists written to stand inside a JSON string (for `Broker.broadcastJsonText`): the JSON form, escaped once more. */
import { describe, expect, it } from 'vitest';
import { EventWriter, membersOf, pushOther, pushReceived, pushStarted, pushSucceeded, type EventRecords } from '../src/events/event-records.js';

const ID = '6aae7816-476f-45dc-b163-879dfdbccac9';
const NOW = Date.UTC(2026, 11, 7, 6, 0, 0, 250);
const ODD = 'a"b\\c\nd é☃';

function sample(): EventRecords {
  const records: EventRecords = [];
  pushReceived(records, 1, NOW, ID, 'tasks.add', '(2, 3)', '{}', ID, null, 0, null, null);
  pushReceived(records, 2, NOW + 1, ODD, ODD, ODD, ODD, null, ODD, 3, '2026-12-07T03:00:00.123000+00:00', null);
  pushStarted(records, 3, NOW + 1, ODD);
  pushSucceeded(records, 4, NOW + 2, ID, `'${ODD}'`, 0.0125);
  pushSucceeded(records, 5, NOW + 2, ID, '5', Number.NaN);
  pushOther(records, 6, NOW + 3, 'task-failed', membersOf({ uuid: ID, exception: `ValueError('${ODD}')`, traceback: 'Traceback…' }));
  pushOther(records, 7, NOW + 3, 'task-revoked', '');
  return records;
}

describe("EventWriter's in-json-string form", () => {
  for (const hostname of ['w@test', 'w"é@h\\st']) {
    it(`writes the JSON form's text escaped as JSON.stringify escapes it (hostname ${JSON.stringify(hostname)})`, () => {
      const json = new EventWriter(hostname, 42).write(sample(), []).join('');
      const inString = new EventWriter(hostname, 42, 'in-json-string').write(sample(), []).join('');
      expect(inString).toBe(JSON.stringify(json).slice(1, -1));
      expect(/^[\x20-\x7e]*$/.test(inString)).toBe(true);
      const events = JSON.parse(`[${JSON.parse(`"${inString}"`) as string}]`) as Array<Record<string, unknown>>;
      expect(events.map((event) => event['type'])).toEqual(['task-received', 'task-received', 'task-started', 'task-succeeded', 'task-succeeded', 'task-failed', 'task-revoked']);
      expect(events[1]).toMatchObject({ hostname, uuid: ODD, name: ODD, args: ODD, kwargs: ODD, root_id: null, parent_id: ODD, retries: 3, eta: '2026-12-07T03:00:00.123000+00:00', expires: null });
      expect(events[5]).toMatchObject({ exception: `ValueError('${ODD}')` });
    });
  }

  it('writes single events as JSON in either form', () => {
    const json = new EventWriter('w@test', 42).event('worker-heartbeat', 9, NOW, '"active":0');
    expect(new EventWriter('w@test', 42, 'in-json-string').event('worker-heartbeat', 9, NOW, '"active":0')).toBe(json);
    expect(JSON.parse(json)).toMatchObject({ hostname: 'w@test', pid: 42, clock: 9, active: 0, timestamp: NOW / 1000, type: 'worker-heartbeat' });
  });
});
