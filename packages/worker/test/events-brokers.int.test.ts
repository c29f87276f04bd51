/**
 * Celery's events over real brokers: a worker with events on, heard by a separate connection
 * subscribed to `celeryev` — Redis pub/sub (kombu's `/<db>.celeryev/<routing key>` channels) and
 * RabbitMQ's durable topic exchange (a private exclusive queue per subscriber) — and the client's
 * task-sent.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { BroadcastMessage, Broker } from '@celerity/core';
import { defineTask } from '@celerity/core';
import { EVENT_EXCHANGE, decodeEvents } from '@celerity/core/internal';
import type { CeleryEvent } from '@celerity/core/internal';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';

const env = useRedisAndRabbit();
const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

type Kind = 'redis' | 'amqp';
const newBroker = (kind: Kind): Broker => (kind === 'redis' ? createRedisBroker({ url: REDIS_URL, keyPrefix: env.prefix }) : createAmqpBroker({ url: env.vhostUrl }));

describe.each<Kind>(['redis', 'amqp'])('events on %s', (kind) => {
  it('a monitor on another connection hears worker-online, task.multi batches, heartbeats, task-sent and worker-offline', { timeout: 30_000 }, async () => {
    const monitor = newBroker(kind);
    cleanups.push(() => monitor.close());
    const heard: BroadcastMessage[] = [];
    await monitor.subscribe(EVENT_EXCHANGE, '#', (message) => heard.push(message));
    const events = (): CeleryEvent[] => heard.flatMap((m) => decodeEvents(m.envelope));

    const queue = `events-${crypto.randomUUID()}`;
    const hostname = `ev-${kind}@test`;
    const worker = createWorker({ broker: newBroker(kind), backend: env.backend(), tasks: [add], queues: [queue], hostname, eventsEnabled: true });
    cleanups.push(async () => {
      await worker.stop({ force: true });
      await worker.broker.close();
      await worker.backend?.close();
    });
    await worker.start();
    const client = createClient({ broker: newBroker(kind), backend: env.backend(), taskSendSentEvent: true });
    cleanups.push(async () => {
      await client.close();
      await client.broker.close();
      await client.backend?.close();
    });
    const results = await Promise.all([1, 2, 3].map((n) => client.send('tasks.add', [n, n], { queue })));
    expect(await Promise.all(results.map((r) => r.get({ timeout: 10 })))).toEqual([2, 4, 6]);
    await waitFor(() => events().filter((e) => e.type === 'task-succeeded').length === 3);
    // A heartbeat comes 2 s after worker-online.
    await waitFor(() => events().some((e) => e.type === 'worker-heartbeat'), { timeout: 5000 });
    await worker.stop();
    await waitFor(() => events().some((e) => e.type === 'worker-offline'));

    const byKey = (key: string): BroadcastMessage[] => heard.filter((m) => m.routingKey === key);
    expect(byKey('worker.online')).toHaveLength(1);
    expect(byKey('task.sent')).toHaveLength(3);
    for (const m of byKey('task.multi')) {
      expect(m.exchange).toBe('celeryev');
      expect(m.envelope.headers['hostname']).toBe(hostname);
      expect(Array.isArray(JSON.parse(new TextDecoder().decode(m.envelope.body)))).toBe(true);
    }
    for (const { id } of results) {
      const ofTask = events().filter((e) => e['uuid'] === id);
      // task-sent comes from the client's connection: it may arrive before or after task-received.
      expect(ofTask.filter((e) => e.type === 'task-sent')).toHaveLength(1);
      expect(ofTask.filter((e) => e.hostname === hostname).map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    }
    const beat = events().find((e) => e.type === 'worker-heartbeat')!;
    expect(beat).toMatchObject({ hostname, freq: 2, sw_ident: 'celerity', sw_sys: expect.any(String) });
  });
});
