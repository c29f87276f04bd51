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
import { inJsonString, jsonInner, jsonInnerInString, jsonString } from './json-text.js';

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

/**
 * How a writer writes an event list: as JSON text, or as that text escaped to stand inside a JSON
 * string (each `"` as `\"`, each `\` as `\\`), which a broker whose envelope is JSON (kombu's Redis
 * layout) takes as the message body with no base64 (`Broker.broadcastJsonText`).
 */
export type EventTextForm = 'json' | 'in-json-string';

// The fixed text between an event's values, written once per form: with `"` or `\"` for a quote.
function piecesOf(form: EventTextForm) {
  const q = form === 'json' ? '"' : '\\"';
  const t = (text: string): string => text.replaceAll('"', q);
  return {
    q,
    uuid: t(',"uuid":"'),
    name: t('","name":"'),
    args: t('","args":"'),
    kwargs: t('","kwargs":"'),
    rootPlain: t('","root_id":"'),
    // Most messages are a root task's, due now, without expiry: those nulls in one piece.
    parentNullRetries: t('","parent_id":null,"retries":'),
    etaExpiresNull: t(',"eta":null,"expires":null'),
    root: t('","root_id":'),
    parent: t(',"parent_id":'),
    retries: t(',"retries":'),
    eta: t(',"eta":'),
    expires: t(',"expires":'),
    idClose: t('"'),
    result: t('","result":"'),
    runtime: t('","runtime":'),
    receivedTail: t(tail('task-received')),
    startedTail: t(tail('task-started')),
    succeededTail: t(tail('task-succeeded')),
  };
}

function tail(type: string): string {
  return `,"type":${jsonString(type)}}`;
}

/** Writes records as event JSON for one sender (hostname, pid). */
export class EventWriter {
  // The UTC offset changes twice a year at most: read once a minute. The timestamp's text is kept
  // for the millisecond it was made in: a busy worker sends dozens of events per millisecond.
  private head = '';
  private offsetReadAt = -Infinity;
  private stampedAt = Number.NaN;
  private stamp = '';
  private readonly tails = new Map<string, string>();
  private readonly pieces: ReturnType<typeof piecesOf>;
  private readonly inner: (value: string) => string;
  /** A writer of the JSON form, for {@link event} when this one writes another. */
  private json: EventWriter | undefined;

  constructor(
    private readonly hostname: string,
    private readonly pid: number,
    /** How {@link write} writes; {@link event} always writes JSON. @default 'json' */
    private readonly form: EventTextForm = 'json',
  ) {
    this.pieces = piecesOf(form);
    this.inner = form === 'json' ? jsonInner : jsonInnerInString;
  }

  /** The text of one event with these fields (`members` as in {@link pushOther}), as JSON. */
  event(type: string, clock: number, now: number, members: string): string {
    if (this.form !== 'json') return (this.json ??= new EventWriter(this.hostname, this.pid)).event(type, clock, now, members);
    return `${this.open(now)}${clock}${members === '' ? '' : `,${members}`}${this.close(now)}${this.tailOf(type)}`;
  }

  /**
   * Appends to `parts` the text of each event of `records` in this writer's form, from the second
   * on with its `,` in front: the items of a JSON list, as short strings. Copied one by one into
   * bytes of the summed length (no text of the whole list is ever joined), they cost the one copy,
   * where one joined text is flattened first, which took longer than writing it (the bench's
   * events rows, under the profiler).
   */
  write(records: EventRecords, parts: string[]): string[] {
    const p = this.pieces;
    const inner = this.inner;
    let comma = '';
    let at = 0;
    while (at < records.length) {
      const kind = records[at] as number;
      const clock = records[at + 1] as number;
      const now = records[at + 2] as number;
      let event: string;
      if (kind === RECEIVED) {
        const id = inner(records[at + 3] as string);
        const rootId = records[at + 7] as string | null;
        const parentId = records[at + 8] as string | null;
        const eta = records[at + 10] as string | null;
        const expires = records[at + 11] as string | null;
        event =
          `${this.open(now)}${clock}${p.uuid}${id}${p.name}${inner(records[at + 4] as string)}${p.args}${inner(records[at + 5] as string)}${p.kwargs}${inner(records[at + 6] as string)}` +
          (rootId !== null && parentId === null && eta === null && expires === null
            ? `${p.rootPlain}${inner(rootId)}${p.parentNullRetries}${records[at + 9] as number}${p.etaExpiresNull}`
            : `${p.root}${this.orNull(rootId)}${p.parent}${this.orNull(parentId)}${p.retries}${records[at + 9] as number}${p.eta}${this.orNull(eta)}${p.expires}${this.orNull(expires)}`) +
          `${this.close(now)}${p.receivedTail}`;
        at += 12;
      } else if (kind === STARTED) {
        event = `${this.open(now)}${clock}${p.uuid}${inner(records[at + 3] as string)}${p.idClose}${this.close(now)}${p.startedTail}`;
        at += 4;
      } else if (kind === SUCCEEDED) {
        const runtime = records[at + 5] as number;
        event = `${this.open(now)}${clock}${p.uuid}${inner(records[at + 3] as string)}${p.result}${inner(records[at + 4] as string)}${p.runtime}${Number.isFinite(runtime) ? runtime : 0}${this.close(now)}${p.succeededTail}`;
        at += 6;
      } else {
        const json = this.event(records[at + 3] as string, clock, now, records[at + 4] as string);
        event = this.form === 'json' ? json : inJsonString(json);
        at += 5;
      }
      parts.push(`${comma}${event}`);
      comma = ',';
    }
    return parts;
  }

  private orNull(value: string | null): string {
    return value === null ? 'null' : `${this.pieces.q}${this.inner(value)}${this.pieces.q}`;
  }

  private open(now: number): string {
    if (now - this.offsetReadAt >= 60_000 || now < this.offsetReadAt) {
      const head = `{"hostname":${jsonString(this.hostname)},"utcoffset":${utcOffsetHours(new Date(now))},"pid":${this.pid},"clock":`;
      this.head = this.form === 'json' ? head : inJsonString(head);
      this.offsetReadAt = now;
    }
    return this.head;
  }

  private close(now: number): string {
    if (now !== this.stampedAt) {
      this.stampedAt = now;
      this.stamp = `,${this.pieces.q}timestamp${this.pieces.q}:${now / 1000}`;
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
