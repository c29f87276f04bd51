import { describe, expect, it } from 'vitest';
import { DecodeError } from '@celerity/core';
import type { Envelope, EnvelopeProperties } from '@celerity/core';
import { decodeKombuEnvelope, encodeKombuEnvelope, encodeKombuEnvelopeBytes, encodeKombuEnvelopeText } from '../src/envelope.js';
import { loadFixture, rawVectors } from './vectors.js';

const vectors = rawVectors();
const MODELLED = ['correlation_id', 'reply_to', 'delivery_mode', 'expiration', 'delivery_info', 'priority', 'body_encoding', 'delivery_tag'];

/** Builds our Envelope from the fields Python parsed (independently of the decoder under test). */
function envelopeFromFields(fields: (typeof vectors)[number]['envelope']): Envelope {
  const p = fields.properties;
  const properties: EnvelopeProperties = {};
  if (typeof p['correlation_id'] === 'string') properties.correlationId = p['correlation_id'];
  if (typeof p['reply_to'] === 'string') properties.replyTo = p['reply_to'];
  if (typeof p['priority'] === 'number') properties.priority = p['priority'];
  if (p['delivery_mode'] === 1 || p['delivery_mode'] === 2) properties.deliveryMode = p['delivery_mode'];
  if (typeof p['expiration'] === 'string') properties.expiration = p['expiration'];
  const extraKeys = Object.keys(p).filter((k) => !MODELLED.includes(k));
  if (extraKeys.length > 0) properties.extra = Object.fromEntries(extraKeys.map((k) => [k, p[k]]));
  return {
    body: Buffer.from(fields.body, 'base64'),
    contentType: fields['content-type'],
    contentEncoding: fields['content-encoding'],
    headers: fields.headers,
    properties,
  };
}

describe('encodeKombuEnvelope', () => {
  it('has vectors to check', () => {
    expect(vectors.length).toBeGreaterThan(60);
  });

  it.each(vectors.map((v) => [`${v.file}#${v.index}`, v] as const))('writes %s byte for byte', (_name, vector) => {
    const info = vector.envelope.properties.delivery_info;
    const raw = encodeKombuEnvelope(envelopeFromFields(vector.envelope), {
      exchange: String(info['exchange']),
      routingKey: String(info['routing_key']),
      deliveryTag: vector.envelope.properties.delivery_tag,
      redelivered: info['redelivered'] === true,
    });
    expect(raw).toBe(vector.raw);
  });

  it('escapes non-ASCII like Python ensure_ascii and keeps the output pure ASCII', () => {
    const raw = encodeKombuEnvelope(
      { body: new Uint8Array([1, 2, 3]), contentType: 'application/json', contentEncoding: 'utf-8', headers: { argsrepr: "('h\u00e9llo \u2603 \ud83d\ude00',)", del: '\u007f' }, properties: {} },
      { exchange: '', routingKey: 'q', deliveryTag: 't' },
    );
    expect(raw).toContain('"argsrepr": "(\'h\\u00e9llo \\u2603 \\ud83d\\ude00\',)"');
    expect(raw).toContain('"del": "\\u007f"');
    expect(/^[\x20-\x7e]*$/.test(raw)).toBe(true);
    expect(raw).toContain('"properties": {"delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "q"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "t"}');
  });

  it('clamps the priority to 0..9 and writes expiration after delivery_mode', () => {
    const raw = encodeKombuEnvelope(
      { body: new Uint8Array(), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: { priority: 42, expiration: '60000', deliveryMode: 1 } },
      { exchange: '', routingKey: 'q', deliveryTag: 't' },
    );
    expect(raw).toBe(
      '{"body": "", "content-encoding": "utf-8", "content-type": "application/json", "headers": {}, "properties": {"delivery_mode": 1, "expiration": "60000", "delivery_info": {"exchange": "", "routing_key": "q"}, "priority": 9, "body_encoding": "base64", "delivery_tag": "t"}}',
    );
  });
});

describe('encodeKombuEnvelopeBytes', () => {
  it.each(vectors.map((v) => [`${v.file}#${v.index}`, v] as const))('writes the bytes of %s', (_name, vector) => {
    const info = vector.envelope.properties.delivery_info;
    const bytes = encodeKombuEnvelopeBytes(envelopeFromFields(vector.envelope), {
      exchange: String(info['exchange']),
      routingKey: String(info['routing_key']),
      deliveryTag: vector.envelope.properties.delivery_tag,
      redelivered: info['redelivered'] === true,
    });
    expect(bytes.equals(Buffer.from(vector.raw, 'utf8'))).toBe(true);
  });

  it('writes non-ASCII headers as the same escapes as the text', () => {
    const envelope: Envelope = { body: Buffer.from('[{"type": "task-started"}]'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { hostname: 'w\u00e9@h\u2603', x: '\ud83d\ude00' }, properties: { deliveryMode: 1 } };
    const target = { exchange: 'celeryev', routingKey: 'task.multi', deliveryTag: 't' };
    const bytes = encodeKombuEnvelopeBytes(envelope, target);
    expect(bytes.toString('latin1')).toBe(encodeKombuEnvelope(envelope, target));
    expect(decodeKombuEnvelope(bytes).envelope.headers).toEqual(envelope.headers);
  });
});

describe('encodeKombuEnvelopeText', () => {
  it('writes the escaped JSON as the body string, with no body_encoding, and reads back as the JSON bytes', () => {
    const json = '[{"type": "task-started", "uuid": "a\\"b", "x": "\\u00e9"}]';
    const { body: _body, ...rest }: Envelope = { body: new Uint8Array(0), contentType: 'application/json', contentEncoding: 'utf-8', headers: { hostname: 'w\u00e9@h' }, properties: { deliveryMode: 1 } };
    const target = { exchange: 'celeryev', routingKey: 'task.multi', deliveryTag: 't' };
    const escaped = JSON.stringify(json).slice(1, -1);
    const bytes = encodeKombuEnvelopeText([escaped.slice(0, 10), escaped.slice(10)], rest, target);
    // The same text as the base64 envelope but for the body and its encoding.
    const base64 = encodeKombuEnvelope({ ...rest, body: Buffer.from(json) }, target);
    expect(bytes.toString('latin1')).toBe(base64.replace(/"body": "[^"]*"/, `"body": ${JSON.stringify(json)}`).replace('"body_encoding": "base64", ', ''));
    const parsed = JSON.parse(bytes.toString('latin1')) as { body: string; properties: Record<string, unknown> };
    expect(parsed.body).toBe(json);
    expect(parsed.properties).not.toHaveProperty('body_encoding');
    const decoded = decodeKombuEnvelope(bytes).envelope;
    expect(Buffer.from(decoded.body).toString('utf8')).toBe(json);
    expect(decoded.headers).toEqual({ hostname: 'w\u00e9@h' });
  });
});

describe('decodeKombuEnvelope', () => {
  it.each(vectors.map((v) => [`${v.file}#${v.index}`, v] as const))('reads %s', (_name, vector) => {
    const decoded = decodeKombuEnvelope(Buffer.from(vector.raw, 'utf8'));
    const fields = vector.envelope;
    expect(decoded.envelope).toEqual(envelopeFromFields(fields));
    expect(Buffer.from(decoded.envelope.body).toString('base64')).toBe(fields.body);
    expect(decoded.deliveryTag).toBe(fields.properties.delivery_tag);
    expect(decoded.exchange).toBe(fields.properties.delivery_info['exchange']);
    expect(decoded.routingKey).toBe(fields.properties.delivery_info['routing_key']);
    expect(decoded.redelivered).toBe(fields.properties.delivery_info['redelivered'] === true);
  });

  it('reads the envelope inside the unacked hash entry kombu writes', () => {
    const entry = loadFixture('unacked_hash_entry.json') as { hset: { value: string; field: string } };
    const [envelope, exchange, routingKey] = JSON.parse(entry.hset.value) as [unknown, string, string];
    const decoded = decodeKombuEnvelope(JSON.stringify(envelope));
    expect(decoded.deliveryTag).toBe(entry.hset.field);
    expect([exchange, routingKey]).toEqual(['', 'celery']);
    expect(Buffer.from(decoded.envelope.body).toString()).toBe('[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]');
  });

  it('marks restored messages as redelivered', () => {
    const restored = vectors.find((v) => v.file === 'task_restored_redelivered.json');
    expect(restored).toBeDefined();
    expect(decodeKombuEnvelope(restored!.raw).redelivered).toBe(true);
  });

  it('uses the body verbatim without body_encoding (and with kombu 5.4 "utf-8")', () => {
    for (const encoding of [undefined, 'utf-8']) {
      const raw = JSON.stringify({ body: '[[1], {}, null]', 'content-type': 'application/json', headers: { task: 't', id: 'i' }, properties: { delivery_tag: 'x', body_encoding: encoding } });
      expect(Buffer.from(decodeKombuEnvelope(raw).envelope.body).toString()).toBe('[[1], {}, null]');
    }
  });

  const good = { body: 'W10=', 'content-encoding': 'utf-8', 'content-type': 'application/json', headers: {}, properties: { delivery_tag: 'x', body_encoding: 'base64', delivery_info: { exchange: '', routing_key: 'q' } } };
  const bad: Array<[string, string]> = [
    ['not JSON', 'garbage{'],
    ['a JSON array', '[1, 2]'],
    ['no body', JSON.stringify({ ...good, body: undefined })],
    ['body not base64', JSON.stringify({ ...good, body: 'not base64!' })],
    ['body with bad padding', JSON.stringify({ ...good, body: 'W10' })],
    ['body in the URL-safe alphabet', JSON.stringify({ ...good, body: 'W1-_' })],
    ['body with whitespace', JSON.stringify({ ...good, body: 'W1 0=' })],
    ['no content-type', JSON.stringify({ ...good, 'content-type': undefined })],
    ['headers not an object', JSON.stringify({ ...good, headers: 'x' })],
    ['no properties', JSON.stringify({ ...good, properties: undefined })],
    ['no delivery_tag', JSON.stringify({ ...good, properties: { body_encoding: 'base64' } })],
    ['unknown body_encoding', JSON.stringify({ ...good, properties: { ...good.properties, body_encoding: 'rot13' } })],
  ];
  it.each(bad)('rejects an envelope with %s', (_name, raw) => {
    expect(() => decodeKombuEnvelope(raw)).toThrow(DecodeError);
  });

  it('accepts base64 with non-zero padding bits, as Python does (W11= reads as W10=)', () => {
    expect(decodeKombuEnvelope(JSON.stringify({ ...good, body: 'W11=' })).envelope.body).toEqual(Buffer.from('[]'));
  });

  it('accepts the minimal good envelope used above', () => {
    expect(decodeKombuEnvelope(JSON.stringify(good)).envelope.body).toEqual(Buffer.from('[]'));
  });
});
