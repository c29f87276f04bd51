// The worker on RabbitMQ: a restart of RabbitMQ in the middle of 10,000 tasks (on a private node
// this test starts itself, never the shared one) loses nothing, and messages that cannot be decoded
// are dead-lettered and logged while the worker goes on (on a fresh vhost of the shared node).
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Broker, LogFields, Logger } from '@celerity/core';
import { createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBackend } from '@celerity/backend-redis';
import { deleteKeys, randomSuffix, scanKeys, startRabbitServer, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const TOTAL = 10_000;
const json = createJsonSerializer();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
}, 120_000);

interface LogLine {
  level: string;
  message: string;
  fields?: LogFields;
}

function capturingLogger(lines: LogLine[]): Logger {
  const log = (level: string) => (message: string, fields?: LogFields) => void lines.push(fields === undefined ? { level, message } : { level, message, fields });
  return { debug: log('debug'), info: () => {}, warn: log('warn'), error: log('error') };
}

/** A Redis key prefix of this run, and the removal of every key under it. */
async function redisScratch(): Promise<{ prefix: string; redis: Redis }> {
  const prefix = `celerity-test-${randomSuffix()}:`;
  const redis = new Redis(REDIS_URL);
  cleanups.push(async () => {
    await deleteKeys(redis, `${prefix}*`);
    redis.disconnect();
  });
  return { prefix, redis };
}

async function publishTasks(broker: Broker, queue: string, ids: readonly string[], task: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500).map((id) => ({ target: { queue }, envelope: encodeTaskMessage({ task, id, args: [id] }, { serializer: json }) }));
    await broker.publishMany(batch);
  }
}

describe('worker on RabbitMQ', () => {
  it('completes 10,000 tasks with acks late across a RabbitMQ restart: none lost, one SUCCESS result each', { timeout: 300_000 }, async () => {
    const server = await startRabbitServer();
    cleanups.push(() => server.dispose());
    const { prefix, redis } = await redisScratch();
    const runsKey = `${prefix}runs`;
    // Records every execution, so a redelivered task that ran twice shows up as a duplicate.
    const record = defineTask({ name: 'test.record_run', params: ['id'] }, async (id: string) => {
      await redis.rpush(runsKey, id);
      return id;
    });
    const brokerOptions = { url: server.url, heartbeat: 5, reconnectDelay: 100, maxReconnectDelay: 1000, publishTimeout: 60_000 };
    const publisher = createAmqpBroker({ ...brokerOptions, connectionName: 'publisher' });
    cleanups.push(() => publisher.close());
    await publisher.declareQueue('celery');
    const ids = Array.from({ length: TOTAL }, () => crypto.randomUUID());
    await publishTasks(publisher, 'celery', ids, 'test.record_run');
    expect(await publisher.size('celery')).toBe(TOTAL);

    const logs: LogLine[] = [];
    const worker = createWorker({
      broker: createAmqpBroker({ ...brokerOptions, connectionName: 'worker' }),
      backend: createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }),
      tasks: [record],
      concurrency: 50,
      acksLate: true,
      logger: capturingLogger(logs),
    });
    cleanups.push(async () => {
      await worker.stop();
      await worker.broker.close();
      await worker.backend?.close();
    });
    await worker.start();

    await waitFor(async () => (await redis.llen(runsKey)) >= TOTAL / 4, { timeout: 60_000, message: 'a quarter of the tasks before the restart' });
    await server.stop();
    const runsAtStop = await redis.llen(runsKey);
    await server.start();
    expect(runsAtStop).toBeLessThan(TOTAL);

    const resultKey = (id: string) => `${prefix}celery-task-meta-${id}`;
    const countResults = async () => new Set(await scanKeys(redis, resultKey('*'), 2000)).size;
    await waitFor(async () => (await countResults()) >= TOTAL, { timeout: 180_000, interval: 500, message: 'a result for every task' });
    await worker.idle();

    expect(await countResults()).toBe(TOTAL);
    const metas: Array<string | null> = [];
    for (let i = 0; i < ids.length; i += 1000) metas.push(...(await redis.mget(ids.slice(i, i + 1000).map(resultKey))));
    const states = metas.map((raw, i) => {
      const meta = raw === null ? null : (JSON.parse(raw) as { status?: string; result?: unknown; task_id?: string });
      return meta !== null && meta.status === 'SUCCESS' && meta.result === ids[i] && meta.task_id === ids[i] ? 'ok' : `bad ${ids[i]}: ${raw}`;
    });
    expect(states.filter((s) => s !== 'ok')).toEqual([]);

    const runs = await redis.lrange(runsKey, 0, -1);
    const counts = new Map<string, number>();
    for (const id of runs) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(ids.filter((id) => !counts.has(id))).toEqual([]);
    expect(counts.size).toBe(TOTAL);
    const twice = [...counts.values()].filter((n) => n > 1).length;
    // At-least-once: a task that ran but whose late ack died with the connection runs again.
    console.log(`RabbitMQ restart after ${runsAtStop} of ${TOTAL} runs: ${runs.length} executions, ${twice} task(s) ran more than once, 0 lost`);
    expect(twice).toBeLessThanOrEqual(worker.concurrency * 4);
    expect(await publisher.size('celery')).toBe(0);
  });

  it('dead-letters messages it cannot decode, logs them, and goes on with later tasks', async () => {
    const vhost = await createTestVhost();
    cleanups.push(() => vhost.dispose());
    const { prefix, redis } = await redisScratch();
    const raw = await amqp.connect(vhost.url);
    cleanups.push(() => raw.close());
    const channel = await raw.createChannel();
    await channel.assertExchange('dlx', 'fanout', { durable: true });
    await channel.assertQueue('dead', { durable: true });
    await channel.bindQueue('dead', 'dlx', '');

    const logs: LogLine[] = [];
    const broker = createAmqpBroker({ url: vhost.url });
    const add = defineTask({ name: 'test.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
    const worker = createWorker({
      broker,
      // The queue has a dead-letter exchange: declared so, or RabbitMQ refuses the redeclaration.
      queueOptions: { work: { deadLetterExchange: 'dlx' } },
      backend: createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }),
      tasks: [add],
      queues: ['work'],
      concurrency: 2,
      logger: capturingLogger(logs),
    });
    cleanups.push(async () => {
      await worker.stop();
      await broker.close();
      await worker.backend?.close();
    });
    await worker.start();

    // No content type, no headers: nothing a Celery peer sends.
    channel.sendToQueue('work', Buffer.from([0x00, 0xff, 0x13, 0x37]));
    // A Celery task header table with a body that is not JSON.
    channel.sendToQueue('work', Buffer.from('{"not": json'), {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: { lang: 'py', task: 'test.add', id: 'bad-body', root_id: 'bad-body' },
    });
    const good = Array.from({ length: 5 }, (_, i) => ({ id: crypto.randomUUID(), args: [i, 10] }));
    await broker.publishMany(good.map((t) => ({ target: { queue: 'work' }, envelope: encodeTaskMessage({ task: 'test.add', ...t }, { serializer: json }) })));

    const resultOf = async (id: string) => {
      const stored = await redis.get(`${prefix}celery-task-meta-${id}`);
      return stored === null ? undefined : (JSON.parse(stored) as { status: string; result: unknown });
    };
    const results = await waitFor(async () => {
      const all = await Promise.all(good.map((t) => resultOf(t.id)));
      return all.every((r) => r !== undefined) ? all : undefined;
    }, { timeout: 20_000, message: 'the good tasks after the bad ones' });
    expect(results.map((r) => r?.result)).toEqual(good.map((t) => (t.args[0] ?? 0) + 10));

    const dead = [];
    for (let i = 0; i < 2; i++) {
      dead.push(await waitFor(async () => (await channel.get('dead', { noAck: true })) || undefined, { timeout: 10_000, message: `dead letter ${i + 1}` }));
    }
    expect(dead.map((m) => m.content.toString('hex')).sort()).toEqual([Buffer.from('{"not": json').toString('hex'), '00ff1337'].sort());
    // Rejected without requeue: x-death says so, and nothing is left (or looping) in the work queue.
    for (const message of dead) expect(message.properties.headers?.['x-death']).toMatchObject([{ queue: 'work', reason: 'rejected' }]);
    expect(await broker.size('work')).toBe(0);
    expect(worker.stats.rejected).toBe(2);

    expect(logs.some((l) => l.level === 'error' && l.message.includes('Discarded malformed message from queue work') && l.message.includes('dlx'))).toBe(true);
    expect(logs.some((l) => l.level === 'error' && l.message.includes('Received invalid task message') && l.message.includes('bad-body'))).toBe(true);
    // The undecodable task with a known id is recorded as a FAILURE, as Celery does.
    expect(await resultOf('bad-body')).toMatchObject({ status: 'FAILURE', result: { exc_type: 'DecodeError' } });
  });

  // RabbitMQ refuses (406) to redeclare a queue with other arguments: `queueOptions` says how.
  it('consumes a queue that exists with x-max-priority when queueOptions declares it so', async () => {
    const vhost = await createTestVhost();
    cleanups.push(() => vhost.dispose());
    const admin = createAmqpBroker({ url: vhost.url });
    cleanups.push(() => admin.close());
    await admin.declareQueue('prio', { maxPriority: 10 });
    const ran: number[] = [];
    const mark = defineTask({ name: 'test.mark', params: ['n'] }, (n: number) => void ran.push(n));
    const worker = createWorker({ broker: createAmqpBroker({ url: vhost.url, publishTimeout: 5000 }), tasks: [mark], queues: ['prio'], queueOptions: { prio: { maxPriority: 10 } } });
    try {
      await worker.start();
      await admin.publish({ queue: 'prio' }, encodeTaskMessage({ task: 'test.mark', id: randomSuffix(), args: [7], priority: 9 }, { serializer: createJsonSerializer() }));
      await waitFor(() => ran.length === 1, { timeout: 10_000 });
      expect(ran).toEqual([7]);
    } finally {
      await worker.stop().catch(() => {});
      await worker.broker.close().catch(() => {});
    }
  });
});
