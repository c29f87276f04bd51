/**
 * Envelope ↔ AMQP message: headers become the AMQP header table (integers typed for py-amqp),
 * envelope properties become basic properties, the body is the payload. This is what Celery writes
 * (spec §1.2, §4.2): `content_type`, `content_encoding`, `correlation_id`, `reply_to`,
 * `delivery_mode` (2 unless set), `priority`, `expiration`, `headers`.
 */
import { DecodeError } from '@celerity/core';
import type { Envelope, EnvelopeProperties } from '@celerity/core';
import type { Message, Options } from 'amqplib';
import { typeFieldTable } from './header-types.js';

/** Basic properties that `EnvelopeProperties` does not model, by their kombu (py-amqp) names. */
const EXTRA_PROPERTIES = {
  message_id: 'messageId',
  timestamp: 'timestamp',
  type: 'type',
  user_id: 'userId',
  app_id: 'appId',
  cluster_id: 'clusterId',
} as const;

type ExtraName = keyof typeof EXTRA_PROPERTIES;
const EXTRA_NAMES = Object.keys(EXTRA_PROPERTIES) as ExtraName[];

function clampPriority(priority: number): number {
  if (!Number.isFinite(priority)) return 0;
  const p = Math.trunc(priority);
  return p < 0 ? 0 : p > 255 ? 255 : p;
}

/** Options of {@link toPublishOptions}. */
export interface ToPublishOptions {
  /** Delivery mode when the envelope sets none. @default 2 (persistent) */
  defaultDeliveryMode?: 1 | 2;
}

/**
 * The amqplib publish options for an envelope. Headers are copied and typed (see
 * `typeFieldTable`); properties left unset in the envelope are not sent (a task without a
 * priority has none, as Celery's messages to auto-created queues).
 * @example
 * channel.publish('', 'celery', Buffer.from(envelope.body), toPublishOptions(envelope));
 */
export function toPublishOptions(envelope: Envelope, options: ToPublishOptions = {}): Options.Publish {
  const p: EnvelopeProperties = envelope.properties;
  const out: Options.Publish = {
    contentType: envelope.contentType,
    contentEncoding: envelope.contentEncoding,
    headers: typeFieldTable(envelope.headers),
    deliveryMode: p.deliveryMode ?? options.defaultDeliveryMode ?? 2,
  };
  if (p.priority !== undefined) out.priority = clampPriority(p.priority);
  if (p.correlationId !== undefined) out.correlationId = p.correlationId;
  if (p.replyTo !== undefined) out.replyTo = p.replyTo;
  if (p.expiration !== undefined) out.expiration = p.expiration;
  const extra = p.extra;
  if (extra !== undefined) {
    for (const name of EXTRA_NAMES) {
      const value = extra[name] ?? extra[EXTRA_PROPERTIES[name]];
      if (value === undefined || value === null) continue;
      if (name === 'timestamp') {
        if (typeof value === 'number') out.timestamp = value;
      } else if (typeof value === 'string' && name !== 'cluster_id') {
        // cluster_id is deprecated in AMQP 0-9-1 and amqplib cannot send it.
        out[EXTRA_PROPERTIES[name] as 'messageId' | 'type' | 'userId' | 'appId'] = value;
      }
    }
  }
  return out;
}

/** The payload as a Buffer without copying. */
export function bodyBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * Turns a delivered AMQP message into an envelope. Throws `DecodeError` for messages no Celery
 * peer could have sent: no header table, or no content type (kombu refuses to decode those).
 * A missing content encoding defaults as kombu's does (`utf-8` for text types, `binary` otherwise).
 * @example
 * channel.consume('celery', (msg) => msg && handle(fromAmqpMessage(msg)));
 */
export function fromAmqpMessage(message: Pick<Message, 'content' | 'properties'>): Envelope {
  const props = message.properties;
  const headers: unknown = props.headers;
  if (!isRecord(headers)) throw new DecodeError('AMQP message has no header table');
  const contentType: unknown = props.contentType;
  if (typeof contentType !== 'string' || contentType === '') throw new DecodeError('AMQP message has no content_type');
  const contentEncoding: unknown = props.contentEncoding;
  const properties: EnvelopeProperties = {};
  if (typeof props.correlationId === 'string') properties.correlationId = props.correlationId;
  if (typeof props.replyTo === 'string') properties.replyTo = props.replyTo;
  if (typeof props.priority === 'number') properties.priority = props.priority;
  if (props.deliveryMode === 1 || props.deliveryMode === 2) properties.deliveryMode = props.deliveryMode;
  if (typeof props.expiration === 'string') properties.expiration = props.expiration;
  let extra: Record<string, unknown> | undefined;
  for (const name of EXTRA_NAMES) {
    const value: unknown = props[EXTRA_PROPERTIES[name]];
    if (value !== undefined && value !== null) (extra ??= {})[name] = value;
  }
  if (extra !== undefined) properties.extra = extra;
  return {
    body: message.content,
    contentType,
    contentEncoding:
      typeof contentEncoding === 'string' && contentEncoding !== ''
        ? contentEncoding
        : /^(text\/|application\/(json|x-yaml|yaml))/.test(contentType)
          ? 'utf-8'
          : 'binary',
    headers,
    properties,
  };
}
