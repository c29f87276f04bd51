/**
 * Task events written into the bytes of a `task.multi` list as they are sent. A busy worker sends
 * three events per task. Each event's JSON text is made at once and copied into one reused buffer,
 * so nothing of it stays on the heap: keeping the events' values until the list was written kept
 * every task's strings (id, name, argument reprs) alive across young collections, which then had
 * twice as much to copy (the bench's events row). {@link EventListWriter.take} copies the list out
 * and starts the next one.
 *
 * Field order and text are Celery's `Event()`: common fields, the type's own, then `timestamp` and
 * `type`. The text is pure ASCII: strings are written as Python's `json.dumps` writes them
 * (json-text.ts), as Celery's own events are, and the members of other events come ASCII only
 * ({@link membersOf}); so latin1 copies it as it is, without measuring UTF-8.
 */
import { stringifyJsonText, utcOffsetHours } from '@celerity/core/internal';
import { jsonInner, jsonString, jsonStringOrNull } from './json-text.js';

/** The members of a JSON object, ASCII only: its text without the braces. */
export function membersOf(fields: Record<string, unknown>): string {
  return stringifyJsonText(fields, 'legacy').slice(1, -1);
}

const tail = (type: string): string => `,"type":${jsonString(type)}}`;
const RECEIVED_TAIL = tail('task-received');
const STARTED_TAIL = tail('task-started');
const SUCCEEDED_TAIL = tail('task-succeeded');
const OPEN = 0x5b;
const COMMA = 0x2c;
const CLOSE = 0x5d;

/** Writes one sender's (hostname, pid) events into a list; see the module comment. */
export class EventListWriter {
  /** Events written since the last {@link take}. */
  count = 0;
  // bytes[0] is the list's `[`; events start at 1, separated by commas.
  private bytes: Buffer;
  private at = 1;
  // The UTC offset changes twice a year at most: read once a minute. The timestamp's text is kept
  // for the millisecond it was made in: a busy worker sends dozens of events per millisecond.
  private head = '';
  private offsetReadAt = -Infinity;
  private stampedAt = Number.NaN;
  private stamp = '';
  private readonly tails = new Map<string, string>();

  /** `size`: the buffer's first size in bytes; it grows as a list needs. */
  constructor(
    private readonly hostname: string,
    private readonly pid: number,
    size = 16 * 1024,
  ) {
    this.bytes = Buffer.allocUnsafe(size);
    this.bytes[0] = OPEN;
  }

  /** `task-received`; `eta` and `expires` as Celery's ISO 8601 text, or null. */
  received(
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
    this.append(
      `${this.open(now)}${clock},"uuid":"${jsonInner(id)}","name":"${jsonInner(name)}","args":"${jsonInner(args)}","kwargs":"${jsonInner(kwargs)}"` +
        // Most messages are a root task's, due now, without expiry: those nulls in one piece.
        (rootId !== null && parentId === null && eta === null && expires === null
          ? `,"root_id":"${jsonInner(rootId)}","parent_id":null,"retries":${retries},"eta":null,"expires":null`
          : `,"root_id":${jsonStringOrNull(rootId)},"parent_id":${jsonStringOrNull(parentId)},"retries":${retries},"eta":${jsonStringOrNull(eta)},"expires":${jsonStringOrNull(expires)}`) +
        `${this.close(now)}${RECEIVED_TAIL}`,
    );
  }

  /** `task-started`. */
  started(clock: number, now: number, id: string): void {
    this.append(`${this.open(now)}${clock},"uuid":"${jsonInner(id)}"${this.close(now)}${STARTED_TAIL}`);
  }

  /** `task-succeeded`: the result's repr and the runtime in seconds. */
  succeeded(clock: number, now: number, id: string, result: string, runtime: number): void {
    this.append(`${this.open(now)}${clock},"uuid":"${jsonInner(id)}","result":"${jsonInner(result)}","runtime":${Number.isFinite(runtime) ? runtime : 0}${this.close(now)}${SUCCEEDED_TAIL}`);
  }

  /** Any event type; `members` are its fields as the members of a JSON object (`"uuid":"…"`, may be empty), ASCII only ({@link membersOf}). */
  other(clock: number, now: number, type: string, members: string): void {
    let known = this.tails.get(type);
    if (known === undefined) {
      known = tail(type);
      this.tails.set(type, known);
    }
    this.append(`${this.open(now)}${clock}${members === '' ? '' : `,${members}`}${this.close(now)}${known}`);
  }

  /**
   * The events written since the last take, as a JSON list (`[…]`), or as the one event itself
   * when `list` is false; the writer starts again empty. The bytes are a copy: the writer reuses
   * its buffer.
   */
  take(list = true): Buffer {
    const end = this.at;
    this.bytes[end] = CLOSE;
    const start = list ? 0 : 1;
    const stop = list ? end + 1 : end;
    const out = Buffer.allocUnsafe(stop - start);
    this.bytes.copy(out, 0, start, stop);
    this.at = 1;
    this.count = 0;
    return out;
  }

  private append(event: string): void {
    // Room for the event, the comma before it and the `]` of take().
    const need = this.at + event.length + 2;
    if (need > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, need));
      this.bytes.copy(bigger, 0, 0, this.at);
      this.bytes = bigger;
    }
    if (this.count > 0) this.bytes[this.at++] = COMMA;
    this.at += this.bytes.write(event, this.at, 'latin1');
    this.count++;
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
}
