// Acks reach the broker's socket before a task body that blocks the event loop starts, on Redis and
// on RabbitMQ (a fresh vhost): the late ack of the task that finished just before it, and the early
// ack of the blocking task itself. The bodies check what was written to the sockets so far, which is
// what a crash at that moment would leave on the server. The worker's clock is a fake one moved on
// inside the blocking body (that is how it learns the body blocks), so nothing spins.
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '@celerity/core';
import { createJsonSerializer, createMemoryBackend, defineTask, encodeTaskMessage } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { randomSuffix, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { BLOCKING_MS } from '../src/blocking-bodies.js';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';
import { createFakeClock } from './fake-clock.js';

const json = createJsonSerializer();
const servers = useRedisAndRabbit();
const { prefix } = servers;

/** Every chunk this process writes to a socket while a test runs. */
const written: Buffer[] = [];
const socketWrite = net.Socket.prototype.write;
beforeEach(() => {
  written.length = 0;
  net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
    written.push(Buffer.isBuffer(chunk) ? Buffer.from(chunk) : Buffer.from(String(chunk)));
    return (socketWrite as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof socketWrite;
});
afterEach(() => {
  net.Socket.prototype.write = socketWrite;
});

/** The delivery tags AMQP `basic.ack` frames in `chunk` cover: [tag, multiple]. */
function amqpAcks(chunk: Buffer): Array<[number, boolean]> {
  const acks: Array<[number, boolean]> = [];
  for (let at = 0; at + 7 <= chunk.length; ) {
    const size = chunk.readUInt32BE(at + 3);
    if (chunk[at] === 1 && size >= 13 && chunk.readUInt16BE(at + 7) === 60 && chunk.readUInt16BE(at + 9) === 80) {
      acks.push([Number(chunk.readBigUInt64BE(at + 11)), ((chunk[at + 19] ?? 0) & 1) === 1]);
    }
    at += 8 + size;
  }
  return acks;
}

const transports: Record<string, { make: () => Broker; acked: (tag: string, id: string) => boolean }> = {
  // The ack script (or the fetch script an ack rides on) names the delivery tag; the published
  // message names it too (kombu's publisher makes the tag), but with the task id beside it.
  redis: {
    make: () => createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }),
    acked: (tag, id) => written.some((chunk) => chunk.includes(tag) && !chunk.includes(id)),
  },
  // Tags read `<channel serial>.<delivery tag>`.
  amqp: {
    make: () => createAmqpBroker({ url: servers.vhostUrl }),
    acked: (tag) => {
      const n = Number(tag.slice(tag.lastIndexOf('.') + 1));
      return written.some((chunk) => amqpAcks(chunk).some(([acked, multiple]) => acked === n || (multiple && acked > n)));
    },
  },
};

describe.each(Object.keys(transports))('acks before a blocking task body on %s', (name) => {
  it('the late ack of the task before it and its own early ack are on the socket when the body starts', async () => {
    const transport = transports[name] as (typeof transports)[string];
    const clock = createFakeClock();
    const queue = `blocking-${randomSuffix()}`;
    const tagOf = new Map<string, string>();
    const broker = transport.make();
    const consume = broker.consume.bind(broker);
    broker.consume = (queues, handler, options) => consume(queues, (d) => (tagOf.set(String(d.envelope.headers['id']), d.deliveryTag), handler(d)), options);
    // Task ids are uuids: a short one could occur by chance in another write.
    const ids = Object.fromEntries(['h1', 'l1', 'h2', 'e1', 'e2'].map((name) => [name, crypto.randomUUID()]));
    const nameOf = (id: string): string => Object.keys(ids).find((name) => ids[name] === id) ?? id;
    /** For each blocking body: whether the acks it names were on a socket when it started. */
    const seen: Record<string, boolean> = {};
    const checkAcked = (id: string, of: string | undefined): void => {
      if (of !== undefined) seen[nameOf(id)] = transport.acked(tagOf.get(of) ?? `no tag for ${of}`, of);
      clock.advance(BLOCKING_MS * 5);
    };
    const heavyLate = defineTask({ name: 'test.heavy_late', params: ['id', 'after'], acksLate: true }, (id: string, after: string | null) => checkAcked(id, after ?? undefined));
    const heavyEarly = defineTask({ name: 'test.heavy_early', params: ['id'] }, (id: string) => checkAcked(id, id));
    const light = defineTask({ name: 'test.light', params: [], acksLate: true }, async () => 'light');
    // All published before the worker starts, so it takes them in one fetch (Redis: the fetch script,
    // which records each unacked entry at once; a message BRPOP hands to an idle worker gets its entry
    // later, and an ack that comes first has nothing to remove) and runs them in order, one at a time.
    const steps: Array<[string, string, unknown[]]> = [
      ['test.heavy_late', 'h1', [ids['h1'], null]], // learns that the body blocks
      ['test.light', 'l1', []],
      ['test.heavy_late', 'h2', [ids['h2'], ids['l1']]], // l1's late ack must be out before h2 starts
      ['test.heavy_early', 'e1', [ids['e1']]], // learns; its own early ack may still be batched
      ['test.heavy_early', 'e2', [ids['e2']]], // its own early ack must be out before its body
    ];
    await broker.declareQueue(queue);
    await broker.publishMany(steps.map(([task, id, args]) => ({ target: { queue }, envelope: encodeTaskMessage({ task, id: ids[id] as string, args }, { serializer: json }) })));
    const worker = createWorker({ broker, backend: createMemoryBackend({ name: `abb-${randomSuffix()}` }), tasks: [heavyLate, heavyEarly, light], queues: [queue], concurrency: 1, prefetch: steps.length, clock });
    await worker.start();
    await waitFor(() => worker.stats.processed === steps.length, { message: 'every task to run' });
    await worker.idle();
    await worker.stop();
    await broker.close();
    expect(seen).toMatchObject({ h2: true, e2: true });
  });
});
