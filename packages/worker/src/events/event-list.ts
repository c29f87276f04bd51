/**
 * Task events written as they happen into the pieces of a `task.multi` list's JSON text: each
 * event pushes its constant fragments (precomputed per sender, type and millisecond) and its
 * values onto the list, and the list's text is joined once when it is published
 * (list-publisher.ts): no object per event, no string built per event. Field order and text are
 * Celery's `Event()`: common fields, the type's own, then `timestamp` and `type`. Every piece is
 * pure ASCII (strings as Python's `json.dumps` writes them, json-text.ts), so the text's bytes are
 * its characters.
 */
import { stringifyJsonText, utcOffsetHours } from '@celerity/core/internal';
import { jsonInner, jsonString, jsonStringOrNull } from './json-text.js';

/** The JSON text of a task event list being collected, in pieces, and how many events it holds. */
export class EventList {
  /** Text pieces and numbers (written as JSON numbers), in order; the opening `[` first. */
  readonly parts: Array<string | number> = ['['];
  count = 0;

  /** The list's JSON text (once, when it is published). */
  text(): string {
    this.parts.push(']');
    return this.parts.join('');
  }
}

/** The members of a JSON object, ASCII only: its text without the braces. */
export function membersOf(fields: Record<string, unknown>): string {
  return stringifyJsonText(fields, 'legacy').slice(1, -1);
}

const tail = (type: string): string => `,"type":${jsonString(type)}}`;
const RECEIVED_TAIL = tail('task-received');
const STARTED_TAIL = tail('task-started');
const SUCCEEDED_TAIL = tail('task-succeeded');

/** Writes the events of one sender (hostname, pid). */
export class EventWriter {
  // The UTC offset changes twice a year at most: read once a minute. The timestamp's text is kept
  // for the millisecond it was made in, joined with each type's tail: a busy worker sends dozens
  // of events per millisecond.
  private first = '';
  private next = '';
  private offsetReadAt = -Infinity;
  private stampedAt = Number.NaN;
  private stamp = '';
  private receivedEnd = '';
  private startedEnd = '';
  private succeededEnd = '';
  private readonly tails = new Map<string, string>();

  constructor(
    private readonly hostname: string,
    private readonly pid: number,
  ) {}

  /** `task-received`; `eta` and `expires` as Celery's ISO 8601 text, or null. */
  received(
    list: EventList,
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
    const head = this.open(list, now);
    this.closeAt(now);
    const parts = list.parts;
    parts.push(head, clock, ',"uuid":"', jsonInner(id), '","name":"', jsonInner(name), '","args":"', jsonInner(args), '","kwargs":"', jsonInner(kwargs));
    // Most messages are a root task's, due now, without expiry: those nulls in one piece.
    if (rootId !== null && parentId === null && eta === null && expires === null) {
      parts.push('","root_id":"', jsonInner(rootId), '","parent_id":null,"retries":', retries, ',"eta":null,"expires":null', this.receivedEnd);
    } else {
      parts.push(
        `","root_id":${jsonStringOrNull(rootId)},"parent_id":${jsonStringOrNull(parentId)},"retries":`,
        retries,
        `,"eta":${jsonStringOrNull(eta)},"expires":${jsonStringOrNull(expires)}`,
        this.receivedEnd,
      );
    }
  }

  /** `task-started`. */
  started(list: EventList, clock: number, now: number, id: string): void {
    const head = this.open(list, now);
    this.closeAt(now);
    list.parts.push(head, clock, ',"uuid":"', jsonInner(id), '"', this.startedEnd);
  }

  /** `task-succeeded`: the result's repr and the runtime in seconds. */
  succeeded(list: EventList, clock: number, now: number, id: string, result: string, runtime: number): void {
    const head = this.open(list, now);
    this.closeAt(now);
    list.parts.push(head, clock, ',"uuid":"', jsonInner(id), '","result":"', jsonInner(result), '","runtime":', Number.isFinite(runtime) ? runtime : 0, this.succeededEnd);
  }

  /** Any event type; `members` are its fields as the members of a JSON object (`"uuid":"…"`, may be empty), ASCII only ({@link membersOf}). */
  other(list: EventList, clock: number, now: number, type: string, members: string): void {
    const head = this.open(list, now);
    this.closeAt(now);
    list.parts.push(head, clock, members === '' ? '' : `,${members}`, this.stamp, this.tailOf(type));
  }

  /** The text of one event with these fields (`members` as in {@link other}). */
  event(type: string, clock: number, now: number, members: string): string {
    const list = new EventList();
    this.other(list, clock, now, type, members);
    return list.parts.slice(1).join('');
  }

  // The common fields up to the clock's value, after a comma unless the event is the list's first;
  // counts the event.
  private open(list: EventList, now: number): string {
    if (now - this.offsetReadAt >= 60_000 || now < this.offsetReadAt) {
      this.first = `{"hostname":${jsonString(this.hostname)},"utcoffset":${utcOffsetHours(new Date(now))},"pid":${this.pid},"clock":`;
      this.next = `,${this.first}`;
      this.offsetReadAt = now;
    }
    return list.count++ === 0 ? this.first : this.next;
  }

  private closeAt(now: number): void {
    if (now === this.stampedAt) return;
    this.stampedAt = now;
    this.stamp = `,"timestamp":${now / 1000}`;
    this.receivedEnd = this.stamp + RECEIVED_TAIL;
    this.startedEnd = this.stamp + STARTED_TAIL;
    this.succeededEnd = this.stamp + SUCCEEDED_TAIL;
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
