/**
 * Task events written, as they happen, straight into the bytes of a `task.multi` list's JSON text:
 * no object, string or record per event, nothing for the collector to copy when a scavenge finds
 * the list alive, and nothing to join, flatten or encode when it is published (list-publisher.ts).
 * The text is pure ASCII — strings are written as Python's `json.dumps` writes them (json-text.ts),
 * as Celery's own events are — so each character is copied as one byte. Field order and text are
 * Celery's `Event()`: common fields, the type's own, then `timestamp` and `type`.
 */
import { stringifyJsonText, utcOffsetHours } from '@celerity/core/internal';
import { jsonInner, jsonString, jsonStringOrNull } from './json-text.js';

/** Bytes a new list starts with room for: about 30 tasks' three events on the common path. */
const INITIAL_CAPACITY = 16 * 1024;

/** The JSON text of a task event list (or of one event) being written, as bytes. */
export class EventList {
  private bytes: Buffer;
  private length = 0;
  /** Events written so far. */
  count = 0;

  /** `list`: a `[…]` list (task events); otherwise one event's object alone. */
  constructor(list = true, capacity = INITIAL_CAPACITY) {
    this.bytes = Buffer.allocUnsafe(capacity);
    if (list) this.bytes[this.length++] = 0x5b;
  }

  /** The text's bytes, with the closing `]` of a list; the list takes no more events. */
  finish(): Buffer {
    if (this.bytes[0] === 0x5b) this.ascii(']');
    return this.bytes.subarray(0, this.length);
  }

  /** Appends ASCII text (constants, numbers, escaped strings) as it is. */
  ascii(text: string): void {
    const n = text.length;
    if (this.length + n > this.bytes.length) this.grow(n);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < n; i++) bytes[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** Appends a string's JSON text without its quotes (Python's escapes where it needs any). */
  inner(value: string): void {
    const n = value.length;
    if (this.length + n > this.bytes.length) this.grow(n);
    const bytes = this.bytes;
    const start = this.length;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      // Printable ASCII but `"` and `\` is copied; anything else takes the escaping path.
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.length = start;
        this.ascii(jsonInner(value));
        return;
      }
      bytes[start + i] = c;
    }
    this.length = start + n;
  }

  /** Appends a number as JSON (a whole number's digits without making a string). */
  number(value: number): void {
    if (!(value >= 0 && value <= 0x3fffffff && value === Math.floor(value))) return this.ascii(String(value));
    if (this.length + 10 > this.bytes.length) this.grow(10);
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    do {
      this.bytes[--at] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
  }

  private grow(more: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + more));
    this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
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
    this.open(list, now, clock);
    list.ascii(',"uuid":"');
    list.inner(id);
    list.ascii('","name":"');
    list.inner(name);
    list.ascii('","args":"');
    list.inner(args);
    list.ascii('","kwargs":"');
    list.inner(kwargs);
    // Most messages are a root task's, due now, without expiry: those nulls in one piece.
    if (rootId !== null && parentId === null && eta === null && expires === null) {
      list.ascii('","root_id":"');
      list.inner(rootId);
      list.ascii('","parent_id":null,"retries":');
      list.number(retries);
      list.ascii(',"eta":null,"expires":null');
    } else {
      list.ascii(`","root_id":${jsonStringOrNull(rootId)},"parent_id":${jsonStringOrNull(parentId)},"retries":`);
      list.number(retries);
      list.ascii(`,"eta":${jsonStringOrNull(eta)},"expires":${jsonStringOrNull(expires)}`);
    }
    list.ascii(this.receivedEnd);
  }

  /** `task-started`. */
  started(list: EventList, clock: number, now: number, id: string): void {
    this.open(list, now, clock);
    list.ascii(',"uuid":"');
    list.inner(id);
    list.ascii(this.startedEnd);
  }

  /** `task-succeeded`: the result's repr and the runtime in seconds. */
  succeeded(list: EventList, clock: number, now: number, id: string, result: string, runtime: number): void {
    this.open(list, now, clock);
    list.ascii(',"uuid":"');
    list.inner(id);
    list.ascii('","result":"');
    list.inner(result);
    list.ascii('","runtime":');
    list.number(Number.isFinite(runtime) ? runtime : 0);
    list.ascii(this.succeededEnd);
  }

  /** Any event type; `members` are its fields as the members of a JSON object (`"uuid":"…"`, may be empty), ASCII only ({@link membersOf}). */
  other(list: EventList, clock: number, now: number, type: string, members: string): void {
    this.open(list, now, clock);
    if (members !== '') {
      list.ascii(',');
      list.ascii(members);
    }
    list.ascii(this.stamp);
    list.ascii(this.tailOf(type));
  }

  // The common fields up to the clock, after a comma unless the event is the list's first; counts
  // the event and makes the timestamp's text of `now`.
  private open(list: EventList, now: number, clock: number): void {
    if (now - this.offsetReadAt >= 60_000 || now < this.offsetReadAt) {
      this.first = `{"hostname":${jsonString(this.hostname)},"utcoffset":${utcOffsetHours(new Date(now))},"pid":${this.pid},"clock":`;
      this.next = `,${this.first}`;
      this.offsetReadAt = now;
    }
    list.ascii(list.count++ === 0 ? this.first : this.next);
    list.number(clock);
    if (now === this.stampedAt) return;
    this.stampedAt = now;
    this.stamp = `,"timestamp":${now / 1000}`;
    this.receivedEnd = this.stamp + RECEIVED_TAIL;
    // The started event ends with its uuid: its closing quote goes with the rest.
    this.startedEnd = `"${this.stamp}${STARTED_TAIL}`;
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
