/**
 * Inspect and control over real brokers: Redis (pidbox via PUBLISH, replies via the binding set and
 * lists) and RabbitMQ (fanout / direct exchanges). On RabbitMQ the worker's control queue is named
 * as kombu names it, `<hostname>.celery.pidbox`, declared as RabbitMQ 4.x accepts (exclusive, never
 * transient non-exclusive), and a second worker under the same name still starts (its queue gets a
 * suffix) and logs Celery's DuplicateNodenameWarning.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Broker, Logger, TaskContext } from '@celerity/core';
import { defineTask, silentLogger } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { randomSuffix, waitFor } from '@celerity/testing';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { listObjects } from '../../broker-amqp/test/vhost.js';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';

const env = useRedisAndRabbit();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
}, 60_000);

let release: (() => void) | undefined;
const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const hold = defineTask({ name: 'tasks.hold', params: [] }, (_ctx: TaskContext) => new Promise<string>((resolve) => (release = () => resolve('done'))));

type Kind = 'redis' | 'amqp';
const newBroker = (kind: Kind): Broker => (kind === 'redis' ? createRedisBroker({ url: REDIS_URL, keyPrefix: env.prefix }) : createAmqpBroker({ url: env.vhostUrl }));

async function startWorker(kind: Kind, options: Partial<WorkerOptions>): Promise<Worker> {
  const worker = createWorker({ broker: newBroker(kind), backend: env.backend(), tasks: [add, hold], concurrency: 2, ...options });
  cleanups.push(async () => {
    release?.();
    await worker.stop({ force: true });
    await worker.broker.close();
    await worker.backend?.close();
  });
  await worker.start();
  return worker;
}

describe.each<Kind>(['redis', 'amqp'])('inspect and control on %s', (kind) => {
  it('inspect ping / active / stats, control rate_limit and shutdown', { timeout: 30_000 }, async () => {
    const hostname = `c1-${randomSuffix()}@test`;
    const queue = `q-${randomSuffix()}`;
    const worker = await startWorker(kind, { hostname, queues: [queue] });
    const client = createClient({ broker: newBroker(kind), backend: env.backend() });
    cleanups.push(() => client.close(), () => client.broker.close());
    const inspect = client.control.inspect({ timeout: 2, limit: 1, destination: [hostname] });
    expect(await inspect.ping()).toEqual({ [hostname]: { ok: 'pong' } });

    const running = await client.send('tasks.hold', [], { queue });
    await waitFor(() => worker.stats.active === 1);
    const active = (await inspect.active())[hostname]!;
    expect(active.map((a) => [a.id, a.name, a.delivery_info.routing_key])).toEqual([[running.id, 'tasks.hold', queue]]);
    const stats = (await inspect.stats())[hostname]!;
    expect(stats.broker.transport).toBe(kind);
    expect(stats.pool['max-concurrency']).toBe(2);

    expect(await client.control.rateLimit('tasks.add', '3/s', { timeout: 2, limit: 1, destination: [hostname] })).toEqual([{ [hostname]: { ok: 'new rate limit set successfully' } }]);

    await client.control.shutdown({ destination: [hostname] });
    release!();
    await worker.stopped;
    expect(await running.get({ timeout: 5 })).toBe('done');
  });
});

describe('RabbitMQ pidbox queue', () => {
  it('is <hostname>.celery.pidbox, exclusive; a duplicate name warns and still starts', { timeout: 30_000 }, async () => {
    const hostname = `dup-${randomSuffix()}@test`;
    await startWorker('amqp', { hostname });
    const vhost = decodeURIComponent(new URL(env.vhostUrl).pathname.slice(1));
    const queues = await listObjects(vhost, 'queues', ['name', 'durable', 'exclusive', 'auto_delete', 'arguments']);
    const pidbox = queues.find((q) => q['name'] === `${hostname}.celery.pidbox`);
    expect(pidbox).toMatchObject({ durable: false, exclusive: true, auto_delete: true });

    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const second = await startWorker('amqp', { hostname, logger });
    await waitFor(() => warnings.some((w) => w.startsWith('DuplicateNodenameWarning: Received multiple replies from node name: ')));
    const client = createClient({ broker: newBroker('amqp') });
    cleanups.push(() => client.close(), () => client.broker.close());
    // Both answer under the one name, as two Celery workers would.
    const pinging = client.control.call('ping', {}, { timeout: 3, destination: [hostname] });
    // Meanwhile the client's reply queue exists: exclusive, as RabbitMQ 4 requires of a transient queue.
    const replyQueue = await waitFor(async () => (await listObjects(vhost, 'queues', ['name', 'durable', 'exclusive'])).find((q) => String(q['name']).includes('.reply.celery.pidbox')), { timeout: 2500 });
    expect(replyQueue).toMatchObject({ durable: false, exclusive: true });
    expect(await pinging).toEqual([{ [hostname]: { ok: 'pong' } }, { [hostname]: { ok: 'pong' } }]);
    const all = await listObjects(vhost, 'queues', ['name', 'durable', 'exclusive']);
    expect(all.filter((q) => String(q['name']).startsWith(hostname)).map((q) => [q['durable'], q['exclusive']])).toEqual([
      [false, true],
      [false, true],
    ]);
    void second;
  });
});
