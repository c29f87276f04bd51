/**
 * kombu's Redis message envelope (spec §3.2): one JSON object per message, written with Python's
 * `json.dumps` formatting so that what we LPUSH is byte for byte what kombu would have written.
 */
import { DecodeError } from '@celerity/core';
import type { Envelope, EnvelopeProperties } from '@celerity/core';
import { asciiBytes, pythonJsonNumber, pythonJsonString, stringifyPythonJson } from '@celerity/core/internal';

/** Where an envelope is being sent, as recorded in `properties.delivery_info`, plus its delivery tag. */
export interface KombuEnvelopeTarget {
  /** `""` for Celery tasks (default exchange). */
  exchange: string;
  /** The queue name for tasks; the event type for events. */
  routingKey: string;
  /** A fresh uuid4 per publish (kombu `delivery_tag`). */
  deliveryTag: string;
  /** Adds `"redelivered": true` to `delivery_info` (what a kombu restore writes). @default false */
  redelivered?: boolean;
}

/** An envelope read back from Redis, with the transport fields kombu keeps next to it. */
export interface DecodedKombuEnvelope {
  envelope: Envelope;
  /** `properties.delivery_info.exchange` (`undefined` when absent). */
  exchange: string | undefined;
  /** `properties.delivery_info.routing_key` (`undefined` when absent). */
  routingKey: string | undefined;
  deliveryTag: string;
  /** Set by a restore (visibility timeout, warm shutdown, requeue) in headers or delivery_info. */
  redelivered: boolean;
}

// Properties this module writes itself; an `extra` entry with one of these names is ignored.
const RESERVED = new Set([
  'correlation_id',
  'reply_to',
  'delivery_mode',
  'expiration',
  'delivery_info',
  'priority',
  'body_encoding',
  'delivery_tag',
]);

function toBase64(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('base64');
}

function clampPriority(priority: number | undefined): number {
  if (priority === undefined || !Number.isFinite(priority)) return 0;
  const p = Math.trunc(priority);
  return p < 0 ? 0 : p > 9 ? 9 : p;
}

/**
 * Serializes an envelope exactly as kombu does: keys `body, content-encoding, content-type, headers,
 * properties`; properties in kombu's order (`correlation_id, reply_to, <extra…>, delivery_mode,
 * expiration, delivery_info, priority, body_encoding, delivery_tag`); pure ASCII.
 * @example
 * const raw = encodeKombuEnvelope(envelope, { exchange: '', routingKey: 'celery', deliveryTag: randomUUID() });
 */
export function encodeKombuEnvelope(envelope: Envelope, target: KombuEnvelopeTarget): string {
  return `{"body": "${toBase64(envelope.body)}${afterBody(envelope, target)}`;
}

/**
 * {@link encodeKombuEnvelope} as the bytes of its text (which is pure ASCII), for a publish that
 * sends bytes: a large body's base64 is copied once into them, where the text would be joined,
 * flattened, measured and encoded again on its way to the socket (a busy worker's event lists).
 */
export function encodeKombuEnvelopeBytes(envelope: Envelope, target: KombuEnvelopeTarget): Buffer {
  return asciiBytes([toBase64(envelope.body)], BODY_OPEN, afterBody(envelope, target));
}

const BODY_OPEN = '{"body": "';

/**
 * The bytes of a kombu envelope whose body is text: the parts of `escapedJson` (see
 * `Broker.broadcastJsonText`) go between the body's quotes as they stand, and the properties have
 * no `body_encoding`, which kombu (and {@link decodeKombuEnvelope}) read as "the body string is the
 * body". Each part is copied once, where a base64 body copies the text three times (bytes,
 * base64, envelope).
 */
export function encodeKombuEnvelopeText(escapedJson: readonly string[], envelope: Omit<Envelope, 'body'>, target: KombuEnvelopeTarget): Buffer {
  return asciiBytes(escapedJson, BODY_OPEN, afterBody(envelope, target, false));
}

// Everything after the body's base64: its closing quote, then the other keys in kombu's order.
function afterBody(envelope: Omit<Envelope, 'body'>, target: KombuEnvelopeTarget, base64 = true): string {
  const p: EnvelopeProperties = envelope.properties;
  let props = '';
  if (p.correlationId !== undefined) props += `"correlation_id": ${pythonJsonString(p.correlationId)}, `;
  if (p.replyTo !== undefined) props += `"reply_to": ${pythonJsonString(p.replyTo)}, `;
  if (p.extra !== undefined) {
    for (const key of Object.keys(p.extra)) {
      if (RESERVED.has(key)) continue;
      const value = p.extra[key];
      if (value === undefined) continue;
      props += `${pythonJsonString(key)}: ${stringifyPythonJson(value)}, `;
    }
  }
  props += `"delivery_mode": ${p.deliveryMode ?? 2}, `;
  if (p.expiration !== undefined) props += `"expiration": ${pythonJsonString(p.expiration)}, `;
  props +=
    `"delivery_info": {"exchange": ${pythonJsonString(target.exchange)}, "routing_key": ${pythonJsonString(target.routingKey)}${target.redelivered === true ? ', "redelivered": true' : ''}}, ` +
    `"priority": ${pythonJsonNumber(clampPriority(p.priority))}, ${base64 ? '"body_encoding": "base64", ' : ''}` +
    `"delivery_tag": ${pythonJsonString(target.deliveryTag)}`;
  return (
    `", "content-encoding": ${pythonJsonString(envelope.contentEncoding)}, ` +
    `"content-type": ${pythonJsonString(envelope.contentType)}, "headers": ${stringifyPythonJson(envelope.headers)}, ` +
    `"properties": {${props}}}`
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Base64 characters up to which a body is checked by the pattern alone (see `decodeBody`). */
const SHORT_BODY = 256;

function decodeBody(body: string, encoding: unknown): Uint8Array {
  // kombu ≥ 5.4 treats body_encoding "utf-8" as "no encoding"; absent means the body string is used verbatim.
  if (encoding === undefined || encoding === null || encoding === 'utf-8') return Buffer.from(body, 'utf8');
  if (encoding !== 'base64') throw new DecodeError(`Unsupported body_encoding ${JSON.stringify(encoding)}`);
  const bytes = Buffer.from(body, 'base64');
  // Canonical base64 (what kombu and Celerity write) encodes back to itself: two native passes,
  // where the pattern below walks a chain step's few hundred KB several times slower. Anything
  // else (non-zero padding bits, which Python accepts too, or not base64 at all) is checked by it.
  // A short body (a small task's arguments) goes straight to the pattern: there it costs less
  // than encoding the bytes again into a string to compare.
  if (body.length > SHORT_BODY && bytes.toString('base64') === body) return bytes;
  if (body.length % 4 !== 0 || !BASE64.test(body)) throw new DecodeError('Envelope body is not valid base64');
  return bytes;
}

/**
 * Parses and checks one envelope as read from a Redis list or channel. Strict: anything a Python
 * worker would crash on (not JSON, no body, body not base64, no `content-type`, no
 * `properties.delivery_tag`) throws `DecodeError`. Unknown properties land in `properties.extra`.
 * @example
 * const { envelope, deliveryTag, redelivered } = decodeKombuEnvelope(raw);
 */
export function decodeKombuEnvelope(raw: string | Uint8Array): DecodedKombuEnvelope {
  // A Buffer (what ioredis hands out) decodes in place; a plain Uint8Array needs a Buffer view first.
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DecodeError('Envelope is not JSON', { cause: error });
  }
  return decodeKombuEnvelopeObject(parsed);
}

/** {@link decodeKombuEnvelope} for an already parsed value (e.g. the first element of an `unacked` entry). */
export function decodeKombuEnvelopeObject(parsed: unknown): DecodedKombuEnvelope {
  if (!isRecord(parsed)) throw new DecodeError('Envelope is not a JSON object');
  const { body, headers } = parsed;
  const contentType = parsed['content-type'];
  const contentEncoding = parsed['content-encoding'];
  const props = parsed['properties'];
  if (typeof body !== 'string') throw new DecodeError('Envelope has no body');
  if (typeof contentType !== 'string') throw new DecodeError('Envelope has no content-type');
  if (contentEncoding !== undefined && contentEncoding !== null && typeof contentEncoding !== 'string') {
    throw new DecodeError('Envelope content-encoding is not a string');
  }
  if (headers !== undefined && headers !== null && !isRecord(headers)) throw new DecodeError('Envelope headers are not an object');
  if (!isRecord(props)) throw new DecodeError('Envelope has no properties');
  const deliveryTag = props['delivery_tag'];
  if (typeof deliveryTag !== 'string') throw new DecodeError('Envelope has no properties.delivery_tag');
  const info = isRecord(props['delivery_info']) ? props['delivery_info'] : undefined;

  const properties: EnvelopeProperties = {};
  let extra: Record<string, unknown> | undefined;
  // for-in with an own check lists the same keys as Object.keys without allocating their array.
  for (const key in props) {
    if (!Object.hasOwn(props, key)) continue;
    const value = props[key];
    switch (key) {
      case 'correlation_id':
        if (typeof value === 'string') properties.correlationId = value;
        break;
      case 'reply_to':
        if (typeof value === 'string') properties.replyTo = value;
        break;
      case 'priority':
        if (typeof value === 'number') properties.priority = value;
        break;
      case 'delivery_mode':
        if (value === 1 || value === 2) properties.deliveryMode = value;
        break;
      case 'expiration':
        if (typeof value === 'string') properties.expiration = value;
        else if (typeof value === 'number') properties.expiration = String(value);
        break;
      case 'delivery_info':
      case 'body_encoding':
      case 'delivery_tag':
        break;
      default:
        (extra ??= {})[key] = value;
    }
  }
  if (extra !== undefined) properties.extra = extra;
  const headerRecord = (headers ?? {}) as Record<string, unknown>;
  return {
    envelope: {
      body: decodeBody(body, props['body_encoding']),
      contentType,
      contentEncoding: typeof contentEncoding === 'string' ? contentEncoding : 'utf-8',
      headers: headerRecord,
      properties,
    },
    exchange: typeof info?.['exchange'] === 'string' ? info['exchange'] : undefined,
    routingKey: typeof info?.['routing_key'] === 'string' ? info['routing_key'] : undefined,
    deliveryTag,
    redelivered: info?.['redelivered'] === true || headerRecord['redelivered'] === true,
  };
}
