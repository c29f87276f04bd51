/**
 * A chord of 10,000 header tasks run by a Celerity worker completes exactly once: the body runs
 * once, with the 10,000 header results in header order, on memory, on Redis, and on RabbitMQ with
 * the Redis result backend. A nested variant (each header member a two-step chain) counts the
 * chains' last steps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, CanvasSink, ResultBackend, SignatureData } from '@celerity/core';
import { applySignature, chain, chord, createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage, signature } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { randomSuffix } from '@celerity/testing';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';

const json = createJsonSerializer();
const servers = useRedisAndRabbit();
const SIZE = 10_000;
/** A limit, not a speed target: 20,000 task runs on a loaded two-core machine. */
const LIMIT_MS = 300_000;

/** Every body run, with the list it got. */
const bodyRuns: number[][] = [];
const double = defineTask({ name: 'tasks.double', params: ['x'] }, (x: number) => x * 2);
const inc = defineTask({ name: 'tasks.inc', params: ['x'] }, (x: number) => x + 1);
const collect = defineTask({ name: 'tasks.collect', params: ['values'] }, (values: number[]) => {
  bodyRuns.push(values);
  return values.length;
});

const transports: Record<string, { broker(): Broker; backend(): ResultBackend }> = {
  memory: { broker: () => createMemoryBroker({ name: `chord10k-${randomSuffix()}` }), backend: () => createMemoryBackend({ name: `chord10k-${randomSuffix()}` }) },
  redis: { broker: () => createRedisBroker({ url: REDIS_URL, keyPrefix: servers.prefix }), backend: () => servers.backend() },
  amqp: { broker: () => createAmqpBroker({ url: servers.vhostUrl }), backend: () => servers.backend() },
};

describe.each(Object.keys(transports))('a 10,000-task chord on %s', (name) => {
  let worker: Worker | undefined;

  afterEach(async () => {
    await worker?.stop();
    await worker?.broker.close();
    await worker?.backend?.close();
    worker = undefined;
    bodyRuns.length = 0;
  });

  async function run(sig: SignatureData): Promise<unknown> {
    const transport = transports[name]!;
    const broker = transport.broker();
    const backend = transport.backend();
    const queue = `chord10k-${randomSuffix()}`;
    worker = createWorker({ broker, backend, tasks: [double, inc, collect], queues: [queue], concurrency: 64, prefetch: 256 });
    await worker.start();
    const sink: CanvasSink = {
      publish: (messages) => broker.publishMany(messages.map((m) => ({ target: m.target, envelope: encodeTaskMessage(m.init, { serializer: json }) }))),
      chordInit: (groupId, size) => backend.chordInit(groupId, size),
    };
    const applied = await applySignature(sig, sink, { defaultQueue: queue });
    const meta = await backend.wait(applied.id, { timeout: LIMIT_MS / 1000 - 10 });
    expect(meta.status).toBe('SUCCESS');
    return meta.result;
  }

  const expected = Array.from({ length: SIZE }, (_, i) => i * 2);

  it('runs the body once with every result in header order', async () => {
    const header = Array.from({ length: SIZE }, (_, i) => signature('tasks.double', [i]));
    expect(await run(chord(header, signature('tasks.collect')))).toBe(SIZE);
    expect(bodyRuns).toHaveLength(1);
    expect(bodyRuns[0]).toEqual(expected);
  }, LIMIT_MS);

  it('counts a header of chains by their last steps', async () => {
    const header = Array.from({ length: SIZE }, (_, i) => chain(signature('tasks.double', [i]), signature('tasks.inc')));
    expect(await run(chord(header, signature('tasks.collect')))).toBe(SIZE);
    expect(bodyRuns).toHaveLength(1);
    expect(bodyRuns[0]).toEqual(expected.map((v) => v + 1));
  }, LIMIT_MS);
});
