/**
 * Envelope ↔ AMQP message mapping against every captured Celery task message: a message Celery
 * published becomes an envelope the core codec decodes, and that envelope goes back out with the
 * same properties (py-amqp names, as the firehose recorded them) and headers typed as py-amqp types them.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createSerializerRegistry, decodeTaskMessage, DecodeError, encodeTaskMessage, jsonSerializer } from '@celerity/core';
import type { TaskMessageInit } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { fromAmqpMessage, toPublishOptions } from '../src/envelope.js';
import { tagsOfTable, type TagTree } from './field-tags.js';
import { pyAmqpProperties, taskVectors } from './vectors.js';

const require = createRequire(import.meta.url);
const codec = require(join(dirname(require.resolve('amqplib')), 'lib', 'codec.js')) as {
  encodeTable(buffer: Buffer, value: unknown, offset: number): number;
  decodeFields(slice: Buffer): Record<string, unknown>;
};
const encodeTable = (table: unknown): Buffer => {
  const buffer = Buffer.alloc(65536);
  return buffer.subarray(4, codec.encodeTable(buffer, table, 0));
};

/** Every scalar tag in a tag tree. */
function scalarTags(tree: TagTree): string[] {
  if (typeof tree === 'string') return [tree];
  return (Array.isArray(tree) ? tree : Object.values(tree)).flatMap(scalarTags);
}

const vectors = taskVectors();
const json = createSerializerRegistry([jsonSerializer]);

describe('task vectors', () => {
  it('has the captured messages', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(18);
  });

  for (const v of vectors) {
    describe(`${v.file}#${v.index}`, () => {
      const envelope = fromAmqpMessage({ content: v.body, properties: v.properties as never });

      it('maps properties to the envelope', () => {
        const py = v.published.properties_py_amqp_names;
        expect(envelope.contentType).toBe(py['content_type']);
        expect(envelope.contentEncoding).toBe(py['content_encoding']);
        expect(envelope.headers).toEqual(v.properties.headers);
        expect(Buffer.from(envelope.body).equals(v.body)).toBe(true);
        const expected: Record<string, unknown> = { correlationId: py['correlation_id'], replyTo: py['reply_to'], deliveryMode: py['delivery_mode'] };
        if (py['priority'] !== undefined) expected['priority'] = py['priority'];
        if (py['expiration'] !== undefined) expected['expiration'] = py['expiration'];
        expect(envelope.properties).toEqual(expected);
      });

      it('sends the envelope back out with exactly the properties Celery sent', () => {
        const options = toPublishOptions(envelope) as Record<string, unknown>;
        expect(pyAmqpProperties(options)).toEqual(v.published.properties_py_amqp_names);
        const table = encodeTable(options['headers']);
        expect(codec.decodeFields(table)).toEqual(v.properties.headers);
        // Every integer header (retries, timelimit items…) goes out as py-amqp's `I`, never amqplib's `b` / `s`.
        const integerTags = scalarTags(tagsOfTable(table)).filter((t) => 'bBsuUiIlL'.includes(t));
        expect(integerTags.length).toBeGreaterThan(0);
        expect(new Set(integerTags)).toEqual(new Set(['I']));
      });

      if (v.properties['contentType'] === 'application/json') {
        it('decodes with the core codec and re-encodes with the same property set', () => {
          const message = decodeTaskMessage(envelope, { serializers: json });
          expect(message.id).toBe(v.properties.headers['id']);
          expect(message.replyTo).toBe(v.properties['replyTo']);
          const init: TaskMessageInit = { task: message.task, id: message.id, args: message.args, kwargs: message.kwargs, eta: message.eta, expires: message.expires, timeLimit: message.timeLimit };
          if (message.replyTo !== null) init.replyTo = message.replyTo;
          if (message.priority !== null) init.priority = message.priority;
          const ours = pyAmqpProperties(toPublishOptions(encodeTaskMessage(init, { serializer: jsonSerializer })) as Record<string, unknown>);
          const celery = v.published.properties_py_amqp_names;
          // Celery leaves out priority for auto-created queues; we always send one (0 = Celery's default).
          const compare = { ...ours };
          if (celery['priority'] === undefined) delete compare['priority'];
          expect(Object.keys(compare).sort()).toEqual(Object.keys(celery).sort());
          expect({ ...compare, expiration: undefined }).toEqual({ ...celery, expiration: undefined });
        });
      }
    });
  }
});

describe('fromAmqpMessage', () => {
  const content = Buffer.from('[[], {}, {}]');
  it('rejects messages without a header table or content type', () => {
    expect(() => fromAmqpMessage({ content, properties: { contentType: 'application/json', headers: undefined } as never })).toThrow(DecodeError);
    expect(() => fromAmqpMessage({ content, properties: { headers: {} } as never })).toThrow(/content_type/);
  });

  it('defaults the content encoding as kombu does and keeps unmodelled properties', () => {
    const text = fromAmqpMessage({ content, properties: { contentType: 'application/json', headers: {}, messageId: 'm-1', timestamp: 5 } as never });
    expect(text.contentEncoding).toBe('utf-8');
    expect(text.properties.extra).toEqual({ message_id: 'm-1', timestamp: 5 });
    const binary = fromAmqpMessage({ content, properties: { contentType: 'application/x-msgpack', headers: {} } as never });
    expect(binary.contentEncoding).toBe('binary');
  });
});

describe('toPublishOptions', () => {
  it('defaults to persistent delivery and sends only what the envelope sets', () => {
    const options = toPublishOptions({ body: new Uint8Array(), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} });
    expect(options).toEqual({ contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, deliveryMode: 2 });
    const events = toPublishOptions({ body: new Uint8Array(), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} }, { defaultDeliveryMode: 1 });
    expect(events.deliveryMode).toBe(1);
  });

  it('writes extra properties by their AMQP names and clamps priorities', () => {
    const options = toPublishOptions({
      body: new Uint8Array(),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: {},
      properties: { priority: 300, extra: { message_id: 'm', app_id: 'a', timestamp: 7, cluster_id: 'c' } },
    });
    expect(options).toMatchObject({ priority: 255, messageId: 'm', appId: 'a', timestamp: 7 });
    expect(options).not.toHaveProperty('clusterId');
  });
});
