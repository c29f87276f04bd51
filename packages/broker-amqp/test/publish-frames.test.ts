/**
 * The frames publish-frames.ts writes must be the bytes amqplib's own `publish` would write for the
 * same arguments: each case is encoded both ways (amqplib's `Args.publish`, `encodeMethod`,
 * `encodeProperties` and `makeBodyFrame`, loaded from the installed amqplib) and compared. What the
 * encoder refuses must be what amqplib encodes differently or rejects.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Options } from 'amqplib';
import { encodeTaskMessage, jsonSerializer } from '@celerity/core';
import type { Envelope } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { bodyBuffer, toPublishOptions } from '../src/envelope.js';
import { encodePublishFrames, NO_ROOM, NOT_HERE } from '../src/publish-frames.js';
import { taskVectors } from './vectors.js';

interface AmqplibDefs {
  BasicPublish: number;
  BasicProperties: number;
  encodeMethod(id: number, channel: number, fields: unknown): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: unknown): Buffer;
}
const require = createRequire(import.meta.url);
const lib = join(dirname(require.resolve('amqplib')), 'lib');
const defs = require(join(lib, 'defs.js')) as AmqplibDefs;
const args = require(join(lib, 'api_args.js')) as { publish(exchange: string, routingKey: string, options: Options.Publish): unknown };
const frame = require(join(lib, 'frame.js')) as { makeBodyFrame(channel: number, content: Buffer): Buffer };

const FRAME_MAX = 131072;

/** What amqplib 2.3.1's `ConfirmChannel.publish` hands its write buffer, as one buffer. */
function amqplibBytes(channel: number, exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Buffer {
  const fields = args.publish(exchange, routingKey, options);
  const parts = [defs.encodeMethod(defs.BasicPublish, channel, fields), defs.encodeProperties(defs.BasicProperties, channel, content.length, fields)];
  if (content.length > 0) parts.push(frame.makeBodyFrame(channel, content));
  return Buffer.concat(parts);
}

function ourBytes(channel: number, exchange: string, routingKey: string, content: Buffer, options: Options.Publish, size = 2 * FRAME_MAX, at = 0): Buffer | number {
  const out = Buffer.alloc(size, 0xaa);
  const end = encodePublishFrames(out, at, channel, FRAME_MAX, exchange, routingKey, content, options);
  return end < 0 ? end : out.subarray(at, end);
}

function expectSameBytes(exchange: string, routingKey: string, content: Buffer, options: Options.Publish, channel = 1): void {
  expect(ourBytes(channel, exchange, routingKey, content, options)).toEqual(amqplibBytes(channel, exchange, routingKey, content, options));
}

describe('encodePublishFrames writes what amqplib writes', () => {
  it.each(taskVectors().map((v) => [`${v.file}#${v.index}`, v] as const))('captured Celery message %s, as we republish it', (_, vector) => {
    const { headers, ...properties } = vector.properties;
    const envelope: Envelope = { body: vector.body, contentType: String(properties['contentType']), contentEncoding: String(properties['contentEncoding']), headers, properties: { deliveryMode: 2 } };
    if (typeof properties['correlationId'] === 'string') envelope.properties.correlationId = properties['correlationId'];
    if (typeof properties['priority'] === 'number') envelope.properties.priority = properties['priority'];
    if (typeof properties['replyTo'] === 'string') envelope.properties.replyTo = properties['replyTo'];
    expectSameBytes(vector.published.exchange, vector.published.routing_key, vector.body, toPublishOptions(envelope));
  });

  it.each([
    ['lean', true],
    ['full', false],
  ])('a %s Celerity task message (integers typed for py-amqp)', (_, lean) => {
    const envelope = encodeTaskMessage(
      { task: 'tasks.add', id: 'f6a4b1d2-0000-4000-8000-000000000001', args: [2, 3], kwargs: { y: 'é' }, retries: 3, timeLimit: [300, 200], eta: new Date(Date.UTC(2026, 0, 2)), priority: 7, replyTo: 'reply.celery.x', expirationMs: 60_000 },
      { serializer: jsonSerializer, lean },
    );
    expectSameBytes('', 'celery', bodyBuffer(envelope.body), toPublishOptions(envelope), 7);
  });

  it('every header type the typed tables carry, every property, an exchange, mandatory', () => {
    const options: Options.Publish = {
      contentType: 'application/x-msgpack',
      contentEncoding: 'binary',
      headers: {
        s: 'ascii',
        u: 'ünïcødé ✓ 𝄞',
        ascii47: `${'a'.repeat(46)}é`,
        long: 'ascii '.repeat(20),
        longUnicode: 'é'.repeat(60),
        'kéy': 'non-ASCII name',
        t: true,
        f: false,
        n: null,
        i: { '!': 'int', value: -5 },
        i32: { '!': 'int32', value: 2 ** 31 - 1 },
        l: { '!': 'long', value: 2 ** 40 },
        big: { '!': 'int64', value: -(2n ** 62n) },
        d: { '!': 'double', value: 1.5 },
        d64: { '!': 'float64', value: Number.NaN },
        ts: { '!': 'timestamp', value: 1_700_000_000 },
        bytes: Buffer.from([0, 1, 2, 255]),
        list: ['a', null, [{ '!': 'int', value: 1 }], { nested: { deeper: 'x' } }],
        table: { a: 'b', skipped: undefined, empty: {} },
        skipped: undefined,
      },
      deliveryMode: 1,
      priority: 255,
      correlationId: 'corr',
      replyTo: 'reply',
      expiration: '60000',
      messageId: 'mid',
      timestamp: 1_700_000_000,
      type: 'kind',
      userId: 'guest',
      appId: 'app',
      mandatory: true,
    };
    expectSameBytes('celery.pidbox', 'worker.1', Buffer.from('{"x": 1}'), options, 65535);
  });

  it.each([
    ['no options', {}],
    ['empty headers', { headers: {} }],
    ['delivery mode true', { deliveryMode: true }],
    ['null properties', { contentType: null, priority: null } as unknown as Options.Publish],
  ] as Array<[string, Options.Publish]>)('%s', (_, options) => {
    expectSameBytes('', 'q', Buffer.from('x'), options);
  });

  it('an empty body has no body frame, as in amqplib', () => {
    expectSameBytes('', 'q', Buffer.alloc(0), { contentType: 'text/plain' });
  });

  it('a body filling one frame exactly is still one frame', () => {
    expectSameBytes('', 'q', Buffer.alloc(FRAME_MAX - 8, 7), { headers: {} });
  });

  it('writes at an offset, touching nothing before it', () => {
    const out = Buffer.alloc(1024, 0xaa);
    const end = encodePublishFrames(out, 100, 1, FRAME_MAX, '', 'q', Buffer.from('[]'), { headers: { task: 't' } });
    expect(out.subarray(0, 100).every((b) => b === 0xaa)).toBe(true);
    expect(out.subarray(100, end)).toEqual(amqplibBytes(1, '', 'q', Buffer.from('[]'), { headers: { task: 't' } }));
  });
});

describe('encodePublishFrames refuses what amqplib encodes its own way or rejects', () => {
  it.each([
    ['an untyped number (amqplib picks b / s / I / l / d)', { headers: { retries: 0 } }],
    ['an untyped number in an array', { headers: { timelimit: [300, null] } }],
    ['a bigint', { headers: { n: 5n } }],
    ['a decimal tag', { headers: { n: { '!': 'decimal', value: { places: 1, digits: 5 } } } }],
    ['an int tag out of range', { headers: { n: { '!': 'int', value: 2 ** 31 } } }],
    ['a fractional timestamp', { timestamp: 1.5 }],
    ['CC', { CC: 'other' }],
    ['BCC', { BCC: ['other'] }],
    ['persistent', { persistent: true }],
    ['a non-string expiration', { expiration: 60000 }],
    ['a content type of 256 bytes', { contentType: 'x'.repeat(256) }],
    ['a header name of 256 bytes', { headers: { ['k'.repeat(256)]: 'v' } }],
    ['a priority over 255', { priority: 256 }],
    ['a function', { headers: { f: () => 1 } }],
  ] as Array<[string, Options.Publish]>)('%s', (_, options) => {
    expect(ourBytes(1, '', 'q', Buffer.from('x'), options)).toBe(NOT_HERE);
  });

  it('a routing key of 256 bytes (amqplib throws a TypeError for it)', () => {
    expect(ourBytes(1, '', 'é'.repeat(128), Buffer.from('x'), {})).toBe(NOT_HERE);
    expect(() => amqplibBytes(1, '', 'é'.repeat(128), Buffer.from('x'), {})).toThrow(TypeError);
  });

  it('a body bigger than one frame (amqplib splits it)', () => {
    expect(ourBytes(1, '', 'q', Buffer.alloc(FRAME_MAX - 7), {}, 2 * FRAME_MAX)).toBe(NOT_HERE);
  });

  it('says when the buffer has no room left, at every point of the message', () => {
    const options: Options.Publish = { contentType: 'application/json', headers: { task: 'tasks.add', list: ['a', { '!': 'long', value: 1 }] }, deliveryMode: 2, priority: 0, correlationId: 'c' };
    const content = Buffer.from('[[1,1],{},{}]');
    const full = amqplibBytes(1, '', 'celery', content, options);
    for (let size = 0; size < full.length + 200; size++) {
      const result = ourBytes(1, '', 'celery', content, options, size);
      if (typeof result === 'number') expect(result).toBe(NO_ROOM);
      else expect(result).toEqual(full);
    }
  });
});
