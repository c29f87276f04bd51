/**
 * Garbage for the queue: envelopes no worker can run (bad body, missing headers, unknown task,
 * refused content type, broken ETA), published through the broker's own `publish`, and bytes that
 * are not even an envelope, written straight into the transport (LPUSH on Redis, a bare
 * `sendToQueue` on RabbitMQ).
 */
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import type { Broker, Envelope } from '@celerity/core';
import { createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import type { BrokerEnv } from './brokers.js';

const encoder = new TextEncoder();

function validEnvelope(id: string, task = 'chaos.work', args: unknown[] = [1]): Envelope {
  return encodeTaskMessage({ task, id, args, kwargs: {} }, { serializer: createJsonSerializer() });
}

/** Envelopes that decode as envelopes but not as runnable tasks; ids start with `garbage-`. */
export function garbageEnvelopes(tag: string): Array<{ what: string; envelope: Envelope }> {
  const base = (n: number): Envelope => validEnvelope(`garbage-${tag}-${n}`);
  const withHeaders = (n: number, change: (h: Record<string, unknown>) => void): Envelope => {
    const envelope = base(n);
    const headers = { ...envelope.headers };
    change(headers);
    return { ...envelope, headers };
  };
  return [
    { what: 'body is not JSON', envelope: { ...base(1), body: Uint8Array.from([0xff, 0x00, 0x7b, 0x5b, 0x22]) } },
    { what: 'body is JSON but not [args, kwargs, embed]', envelope: { ...base(2), body: encoder.encode('{"a": 1}') } },
    {
      what: 'no task and id headers',
      envelope: withHeaders(3, (h) => {
        delete h['task'];
        delete h['id'];
      }),
    },
    { what: 'unregistered task name', envelope: validEnvelope(`garbage-${tag}-4`, 'chaos.no-such-task') },
    { what: 'pickle content type (refused)', envelope: { ...base(5), contentType: 'application/x-python-serialize', contentEncoding: 'binary', body: Uint8Array.from([0x80, 0x04, 0x95]) } },
    { what: 'ETA header is not a date', envelope: withHeaders(6, (h) => (h['eta'] = 'not a date')) },
    { what: 'task header is a number', envelope: withHeaders(7, (h) => (h['task'] = 42)) },
    { what: 'embed is not an object', envelope: { ...base(8), body: encoder.encode('[[1], {}, "nope"]') } },
  ];
}

/** Publishes {@link garbageEnvelopes} through a broker; returns how many. */
export async function publishGarbageEnvelopes(broker: Broker, queue: string, tag: string): Promise<number> {
  const items = garbageEnvelopes(tag);
  for (const item of items) await broker.publish({ queue }, item.envelope);
  return items.length;
}

/** Writes bytes that are not an envelope at all straight into the queue; returns how many. */
export async function pushRawGarbage(env: BrokerEnv, queue: string): Promise<number> {
  const items = [Buffer.from([0xff, 0xfe, 0x00, 0x01]), Buffer.from('not json'), Buffer.from('[]'), Buffer.from('{}'), Buffer.from('{"body": 1, "headers": "x"}')];
  if (env.kind === 'redis') {
    const redis = new Redis(env.url, { lazyConnect: true });
    try {
      await redis.connect();
      // kombu's layout: the queue's priority-0 list is the key named after the queue; workers pop from the right.
      await redis.lpush(queue, ...items);
    } finally {
      redis.disconnect();
    }
  } else {
    const connection = await connect(env.url);
    try {
      const channel = await connection.createConfirmChannel();
      for (const item of items) channel.sendToQueue(queue, item, { headers: item.length % 2 === 0 ? {} : { task: 42, id: null } });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
  }
  return items.length;
}
