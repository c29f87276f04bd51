/**
 * Celery's event messages (`celery/events/event.py`, `dispatcher.py`, `receiver.py`): JSON bodies
 * on the `celeryev` exchange (a durable topic exchange on AMQP, kombu's fanout PUBLISH on Redis),
 * routing key = the event type with `-` → `.` (`worker.heartbeat`, `task.sent`), or `task.multi`
 * for a buffered batch whose body is a JSON list. Transient (`delivery_mode` 1), with a `hostname`
 * header. A receiver accepts both a single event and a list.
 */
import type { Envelope } from '../broker.js';
import { DecodeError } from '../errors.js';

/** The exchange every event travels on. */
export const EVENT_EXCHANGE = 'celeryev';
/** The routing key of a batch of task events (Celery's buffer group `task`). */
export const TASK_BATCH_ROUTING_KEY = 'task.multi';

/** One event as Celery writes it: the common fields, then the type's own. */
export interface CeleryEvent {
  type: string;
  hostname: string;
  /** Hours west of UTC (Python's `time.timezone // 3600`). */
  utcoffset: number;
  pid: number;
  /** The sender's Lamport clock. */
  clock: number;
  /** Seconds since the epoch. */
  timestamp: number;
  [field: string]: unknown;
}

/** The routing key of a single event: `task-sent` → `task.sent`. */
export function eventRoutingKey(type: string): string {
  return type.replace(/-/g, '.');
}

/** Python's `time.timezone // 3600` (with DST: `altzone`): what Celery sends as `utcoffset`. */
export function utcOffsetHours(date: Date = new Date()): number {
  return Math.floor(date.getTimezoneOffset() / 60);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The envelope of one event or of a batch (a list), as Celery's dispatcher publishes it.
 * @example broker.broadcast(EVENT_EXCHANGE, 'worker.heartbeat', encodeEvents(event, 'w1@host'))
 */
export function encodeEvents(body: CeleryEvent | readonly CeleryEvent[], hostname: string): Envelope {
  return encodeEventsJson(JSON.stringify(body), hostname);
}

/**
 * The envelope of one event or a batch already written as JSON text (a dict, or a list of dicts):
 * what {@link encodeEvents} does after `JSON.stringify`, for a sender that writes events itself.
 */
export function encodeEventsJson(json: string, hostname: string): Envelope {
  return encodeEventsBytes(encoder.encode(json), hostname);
}

/** {@link encodeEventsJson} for JSON text already encoded as UTF-8. */
export function encodeEventsBytes(body: Uint8Array, hostname: string): Envelope {
  return {
    body,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { hostname },
    properties: { deliveryMode: 1 },
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the events of a message: one for a dict body, each item for a list (`task.multi`). Items
 * without a string `type` are skipped, as Celery's receiver cannot route them either.
 * @throws DecodeError when the body is not JSON, or neither a mapping nor a list.
 */
export function decodeEvents(envelope: Envelope): CeleryEvent[] {
  if (!/json/i.test(envelope.contentType)) throw new DecodeError(`event: content type ${JSON.stringify(envelope.contentType)} is not JSON (Celery sends events as JSON)`);
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(envelope.body));
  } catch (error) {
    throw new DecodeError('event: the body is not JSON', { cause: error });
  }
  const items = Array.isArray(body) ? body : isRecord(body) ? [body] : null;
  if (items === null) throw new DecodeError('event: the body is neither an event nor a list of events');
  return items.filter((item): item is CeleryEvent => isRecord(item) && typeof item['type'] === 'string');
}
