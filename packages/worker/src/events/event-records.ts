/**
 * Task events as flat records, and the writer that turns records into the JSON text of a
 * `task.multi` list. A busy worker sends three events per task: the main thread only appends the
 * values of each one to an array (its kind, Lamport clock, time and its own fields), and the JSON
 * of a whole list is written in one pass when it is published (list-publisher.ts). Field order and
 * text are Celery's `Event()`: common fields, the type's own, then `timestamp` and `type`. The text
 * is pure ASCII: strings are written as Python's `json.dumps` writes them (json-text.ts), as
 * Celery's own events are, and the members of other events come ASCII only ({@link membersOf}).
 */
import { stringifyJsonText, utcOffsetHours } from '@celerity/core/internal';
import { jsonInner, jsonString, jsonStringOrNull } from './json-text.js';

/** Values of events in a row: each starts with its kind, clock and time (see the `push…` functions). */
export type EventRecords = Array<string | number | null>;

const RECEIVED = 0;
const STARTED = 1;
const SUCCEEDED = 2;
/** Any other type, its fields already written as JSON members. */
const OTHER = 3;

/** `task-received`; `eta` and `expires` as Celery's ISO 8601 text, or null. */
export function pushReceived(
  records: EventRecords,
  clock: number,
  now: number,
  id: string,
  name: string,
  args: string,
  kwargs: string,
  rootId: string | null,
  parentId: string | null,
  retries: number,
  eta: string | null,
  expires: string | null,
): void {
  records.push(RECEIVED, clock, now, id, name, args, kwargs, rootId, parentId, retries, eta, expires);
}

/** `task-started`. */
export function pushStarted(records: EventRecords, clock: number, now: number, id: string): void {
  records.push(STARTED, clock, now, id);
}

/** `task-succeeded`: the result's repr and the runtime in seconds. */
export function pushSucceeded(records: EventRecords, clock: number, now: number, id: string, result: string, runtime: number): void {
  records.push(SUCCEEDED, clock, now, id, result, runtime);
}

/** Any event type; `members` are its fields as the members of a JSON object (`"uuid":"…"`, may be empty), ASCII only ({@link membersOf}). */
export function pushOther(records: EventRecords, clock: number, now: number, type: string, members: string): void {
  records.push(OTHER, clock, now, type, members);
}

/** The members of a JSON object, ASCII only: its text without the braces. */
export function membersOf(fields: Record<string, unknown>): string {
  return stringifyJsonText(fields, 'legacy').slice(1, -1);
}

const tail = (type: string): string => `,"type":${jsonString(type)}}`;
const RECEIVED_TAIL = tail('task-received');
const STARTED_TAIL = tail('task-started');
const SUCCEEDED_TAIL = tail('task-succeeded');

/** Writes records as event JSON for one sender (hostname, pid). */
export class EventWriter {
  // The UTC offset changes twice a year at most: read once a minute. The timestamp's text is kept
  // for the millisecond it was made in: a busy worker sends dozens of events per millisecond.
  private head = '';
  private offsetReadAt = -Infinity;
  private stampedAt = Number.NaN;
  private stamp = '';
  private readonly tails = new Map<string, string>();

  constructor(
    private readonly hostname: string,
    private readonly pid: number,
  ) {}

  /** The text of one event with these fields (`members` as in {@link pushOther}). */
  event(type: string, clock: number, now: number, members: string): string {
    return `${this.open(now)}${clock}${members === '' ? '' : `,${members}`}${this.close(now)}${this.tailOf(type)}`;
  }

  /** The items of a JSON list (without brackets) for `records`. */
  list(records: EventRecords): string {
    let text = '';
    let at = 0;
    while (at < records.length) {
      const kind = records[at] as number;
      const clock = records[at + 1] as number;
      const now = records[at + 2] as number;
      // Field 3 is the task id, but the type of an OTHER record.
      const id = kind === OTHER ? '' : jsonInner(records[at + 3] as string);
      let event: string;
      if (kind === RECEIVED) {
        const rootId = records[at + 7] as string | null;
        const parentId = records[at + 8] as string | null;
        const eta = records[at + 10] as string | null;
        const expires = records[at + 11] as string | null;
        event =
          `${this.open(now)}${clock},"uuid":"${id}","name":"${jsonInner(records[at + 4] as string)}","args":"${jsonInner(records[at + 5] as string)}","kwargs":"${jsonInner(records[at + 6] as string)}"` +
          // Most messages are a root task's, due now, without expiry: those nulls in one piece.
          (rootId !== null && parentId === null && eta === null && expires === null
            ? `,"root_id":"${jsonInner(rootId)}","parent_id":null,"retries":${records[at + 9] as number},"eta":null,"expires":null`
            : `,"root_id":${jsonStringOrNull(rootId)},"parent_id":${jsonStringOrNull(parentId)},"retries":${records[at + 9] as number},"eta":${jsonStringOrNull(eta)},"expires":${jsonStringOrNull(expires)}`) +
          `${this.close(now)}${RECEIVED_TAIL}`;
        at += 12;
      } else if (kind === STARTED) {
        event = `${this.open(now)}${clock},"uuid":"${id}"${this.close(now)}${STARTED_TAIL}`;
        at += 4;
      } else if (kind === SUCCEEDED) {
        const runtime = records[at + 5] as number;
        event = `${this.open(now)}${clock},"uuid":"${id}","result":"${jsonInner(records[at + 4] as string)}","runtime":${Number.isFinite(runtime) ? runtime : 0}${this.close(now)}${SUCCEEDED_TAIL}`;
        at += 6;
      } else {
        event = this.event(records[at + 3] as string, clock, now, records[at + 4] as string);
        at += 5;
      }
      text = text === '' ? event : `${text},${event}`;
    }
    return text;
  }

  private open(now: number): string {
    if (now - this.offsetReadAt >= 60_000 || now < this.offsetReadAt) {
      this.head = `{"hostname":${jsonString(this.hostname)},"utcoffset":${utcOffsetHours(new Date(now))},"pid":${this.pid},"clock":`;
      this.offsetReadAt = now;
    }
    return this.head;
  }

  private close(now: number): string {
    if (now !== this.stampedAt) {
      this.stampedAt = now;
      this.stamp = `,"timestamp":${now / 1000}`;
    }
    return this.stamp;
  }

  private tailOf(type: string): string {
    let known = this.tails.get(type);
    if (known === undefined) {
      known = tail(type);
      this.tails.set(type, known);
    }
    return known;
  }
}
