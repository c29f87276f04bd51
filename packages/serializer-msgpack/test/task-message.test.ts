/**
 * Whole msgpack task messages through @celerity/core's codec: the captured Celery 5.2 messages
 * decode to the right task, and our encoding of the same call gives Python's exact body bytes.
 * (Lives here because core has no msgpack codec; core's own tests cover the JSON vectors.)
 */
import { describe, expect, it } from 'vitest';
import { createJsonSerializer, createSerializerRegistry, decodeTaskMessage, encodeTaskMessage, type Envelope } from '@celerity/core';
import { createMsgpackSerializer } from '../src/index.js';
import { hex, loadFixture } from './fixtures.js';

const msgpack = createMsgpackSerializer();
const serializers = createSerializerRegistry([createJsonSerializer(), msgpack]);

interface Captured {
  label: string;
  envelope: Envelope;
  headers: Record<string, unknown>;
  body: [unknown[], Record<string, unknown>, Record<string, unknown>];
  replyTo: string;
}

function captured(): Captured[] {
  const out: Captured[] = [];
  for (const name of ['task_apply_async_msgpack', 'task_rich_args_msgpack']) {
    const redis = loadFixture(`redis/${name}.json`) as { items: Record<string, unknown>[] };
    for (const item of redis.items) {
      const env = item['envelope'] as Record<string, unknown>;
      const props = env['properties'] as Record<string, unknown>;
      const headers = env['headers'] as Record<string, unknown>;
      out.push({
        label: `redis/${name}`,
        envelope: {
          body: Uint8Array.from(Buffer.from(env['body'] as string, 'base64')),
          contentType: env['content-type'] as string,
          contentEncoding: env['content-encoding'] as string,
          headers,
          properties: { correlationId: props['correlation_id'] as string, replyTo: props['reply_to'] as string, priority: props['priority'] as number, deliveryMode: 2 },
        },
        headers,
        body: item['body'] as Captured['body'],
        replyTo: props['reply_to'] as string,
      });
    }
    const amqp = loadFixture(`amqp/${name}.json`) as { items: Record<string, unknown>[] };
    for (const item of amqp.items) {
      const p = item['amqplib_properties'] as Record<string, unknown>;
      const headers = p['headers'] as Record<string, unknown>;
      out.push({
        label: `amqp/${name}`,
        envelope: {
          body: Uint8Array.from(Buffer.from(item['body_b64'] as string, 'base64')),
          contentType: p['contentType'] as string,
          contentEncoding: p['contentEncoding'] as string,
          headers,
          properties: { correlationId: p['correlationId'] as string, replyTo: p['replyTo'] as string, priority: p['priority'] as number, deliveryMode: 2 },
        },
        headers,
        body: item['body'] as Captured['body'],
        replyTo: p['replyTo'] as string,
      });
    }
  }
  return out;
}

describe('msgpack task messages through decodeTaskMessage / encodeTaskMessage', () => {
  const all = captured();

  it('covers the 4 captured msgpack task messages', () => {
    expect(all).toHaveLength(4);
  });

  it.each(all)('decodes $label', ({ envelope, headers, body }) => {
    const m = decodeTaskMessage(envelope, { serializers });
    expect(m).toMatchObject({ protocol: 2, task: headers['task'], id: headers['id'], retries: 0, priority: 0, contentType: 'application/x-msgpack', contentEncoding: 'binary' });
    expect(m.args).toStrictEqual(body[0]);
    expect(m.kwargs).toStrictEqual(body[1]);
    expect(m.embed).toStrictEqual(body[2]);
  });

  it('keeps the big int and the bytes of the rich vector', () => {
    const rich = all.find((c) => c.label === 'redis/task_rich_args_msgpack')!;
    const arg = decodeTaskMessage(rich.envelope, { serializers }).args[0] as Record<string, unknown>;
    expect(arg['int_big']).toBe(9007199254740993n);
    expect(arg['bytes']).toStrictEqual(new Uint8Array([0x00, 0x01, 0xff]));
  });

  it.each(all)('encoding the same call gives the body bytes Python sent ($label)', ({ envelope, headers, body, replyTo }) => {
    const ours = encodeTaskMessage(
      { task: headers['task'] as string, id: headers['id'] as string, args: body[0], kwargs: body[1], replyTo, ignoreResult: false },
      { serializer: msgpack },
    );
    expect(hex(ours.body)).toBe(hex(envelope.body));
    expect([ours.contentType, ours.contentEncoding]).toEqual(['application/x-msgpack', 'binary']);
    expect(ours.headers['kwargsrepr']).toBe(headers['kwargsrepr']);
  });
});
