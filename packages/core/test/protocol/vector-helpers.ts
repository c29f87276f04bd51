/**
 * Loads the captured Celery 5.2 vectors (test/fixtures/celery-5.2) and turns each captured
 * message into the Envelope a broker adapter would hand to the codec.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Envelope, EnvelopeProperties } from '@celerity/core';
import { parseCeleryJson } from '../../src/serializers/json.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/celery-5.2/', import.meta.url));

/** One captured task message, in transport-neutral terms. */
export interface VectorMessage {
  file: string;
  index: number;
  envelope: Envelope;
  /** Headers exactly as captured (Redis envelope / AMQP table). */
  headers: Record<string, unknown>;
  /** Properties as captured, in py-amqp/kombu names (`correlation_id`, `reply_to`, …). */
  properties: Record<string, unknown>;
  /** The body as parsed by the capture tool (JSON) or described (msgpack). */
  body: unknown;
}

/** Reads a fixture with our JSON parser: `JSON.parse` would round `9007199254740993`. */
export function readFixture(relative: string): Record<string, unknown> {
  return parseCeleryJson(readFileSync(FIXTURES + relative, 'utf8')) as Record<string, unknown>;
}

export function fixtureFiles(dir: 'redis' | 'amqp' | 'redis/results', pattern: RegExp): string[] {
  return readdirSync(FIXTURES + dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => `${dir}/${f}`);
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

function fromPyProperties(p: Record<string, unknown>): EnvelopeProperties {
  const out: EnvelopeProperties = {};
  if (typeof p['correlation_id'] === 'string') out.correlationId = p['correlation_id'];
  if (typeof p['reply_to'] === 'string') out.replyTo = p['reply_to'];
  if (typeof p['priority'] === 'number') out.priority = p['priority'];
  if (p['delivery_mode'] === 1 || p['delivery_mode'] === 2) out.deliveryMode = p['delivery_mode'];
  if (typeof p['expiration'] === 'string') out.expiration = p['expiration'];
  return out;
}

/** A Redis list item: the exact `raw` string parsed as kombu JSON, body base64-decoded. */
function redisMessage(file: string, item: Record<string, unknown>, index: number): VectorMessage {
  const env = parseCeleryJson(item['raw'] as string) as Record<string, unknown>;
  const properties = env['properties'] as Record<string, unknown>;
  const body = env['body'] as string;
  return {
    file,
    index,
    envelope: {
      body: properties['body_encoding'] === 'base64' ? b64(body) : new TextEncoder().encode(body),
      contentType: env['content-type'] as string,
      contentEncoding: env['content-encoding'] as string,
      headers: env['headers'] as Record<string, unknown>,
      properties: fromPyProperties(properties),
    },
    headers: env['headers'] as Record<string, unknown>,
    properties,
    body: item['body'],
  };
}

/** An AMQP message, either as amqplib received it or as the firehose recorded its publish. */
function amqpMessage(file: string, item: Record<string, unknown>, index: number): VectorMessage {
  const amqplib = item['amqplib_properties'] as Record<string, unknown> | undefined;
  let envelope: Envelope;
  let properties: Record<string, unknown>;
  if (amqplib) {
    const published = item['published_with'] as Record<string, unknown>;
    properties = published['properties_py_amqp_names'] as Record<string, unknown>;
    const props: EnvelopeProperties = {};
    if (typeof amqplib['correlationId'] === 'string') props.correlationId = amqplib['correlationId'];
    if (typeof amqplib['replyTo'] === 'string') props.replyTo = amqplib['replyTo'];
    if (typeof amqplib['priority'] === 'number') props.priority = amqplib['priority'];
    if (amqplib['deliveryMode'] === 2 || amqplib['deliveryMode'] === 1) props.deliveryMode = amqplib['deliveryMode'];
    if (typeof amqplib['expiration'] === 'string') props.expiration = amqplib['expiration'];
    envelope = {
      body: b64(item['body_b64'] as string),
      contentType: amqplib['contentType'] as string,
      contentEncoding: amqplib['contentEncoding'] as string,
      headers: amqplib['headers'] as Record<string, unknown>,
      properties: props,
    };
  } else {
    properties = item['properties'] as Record<string, unknown>;
    envelope = {
      body: b64(item['body_b64'] as string),
      contentType: properties['content_type'] as string,
      contentEncoding: properties['content_encoding'] as string,
      headers: item['headers'] as Record<string, unknown>,
      properties: fromPyProperties(properties),
    };
  }
  return { file, index, envelope, headers: envelope.headers, properties, body: item['body'] };
}

/** Every message of a vector file. */
export function vectorMessages(file: string): VectorMessage[] {
  const items = readFixture(file)['items'] as Record<string, unknown>[];
  return items.map((item, i) => (file.startsWith('redis/') ? redisMessage(file, item, i) : amqpMessage(file, item, i)));
}

/** `Date` of a captured `eta` / `expires` string, naive = UTC, computed without the code under test. */
export function capturedDate(text: unknown): Date | null {
  if (text === null || text === undefined) return null;
  const s = String(text);
  return new Date(/(Z|[+-]\d\d:\d\d)$/.test(s) ? s : `${s}Z`);
}

/** Python's repr of a tuple of args → the list form we produce for a JS array (`(2,)` → `[2]`). */
export function tupleReprAsList(repr: string): string {
  if (!repr.startsWith('(') || !repr.endsWith(')')) return repr;
  const inner = repr.slice(1, -1);
  return `[${inner.endsWith(',') ? inner.slice(0, -1) : inner}]`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Sorted keys, and every uuid replaced by `#n` in order of first appearance: two wires compared without their ids. */
export function canonical(value: unknown, ids = new Map<string, string>()): unknown {
  if (typeof value === 'string' && UUID.test(value)) {
    if (!ids.has(value)) ids.set(value, `#${ids.size}`);
    return ids.get(value);
  }
  if (Array.isArray(value)) return value.map((v) => canonical(v, ids));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key], ids);
    return out;
  }
  return value;
}
