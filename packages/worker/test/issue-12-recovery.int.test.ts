// Issue 12: after a connection reset, an outage longer than the blocking-pop timeout, or a server
// restart, a running worker resumes consuming and a client that lived through it resumes sending
// and waiting, with no restart of either. Redis runs on a private server this file starts; RabbitMQ
// is the shared node behind a TCP proxy this file cuts and takes down (never the node itself).
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerAdapter as amqpBrokerAdapter } from '@celerity/broker-amqp';
import { backendAdapter as redisBackendAdapter } from '@celerity/backend-redis';
import { brokerAdapter as redisBrokerAdapter } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import type { Client } from '@celerity/client';
import { startRedisServer, startTcpProxy } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';
import * as tasks from './fixtures/tasks.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
}, 60_000);

/** Sends `test.add(n, 1)` and waits for its result. */
async function roundTrip(client: Client, queue: string, n: number): Promise<void> {
  const result = await client.send<[number, number], number>('test.add', [n, 1], { queue });
  expect(await result.get({ timeout: 30 })).toBe(n + 1);
}

describe('recovery on Redis (private server)', () => {
  it('worker and client go on after CLIENT KILL, an outage longer than the blocking pop, and a restart', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const url = `${server.url}/0`;
    const queue = `recovery-${crypto.randomUUID()}`;
    const adapters = [redisBrokerAdapter, redisBackendAdapter];
    // The default pollInterval (1 s) is the blocking-pop timeout the outage below outlasts.
    const worker = createWorker({ broker: url, backend: url, adapters, tasks, queues: [queue] });
    await worker.start();
    cleanups.push(() => worker.stop());
    const client = createClient({ broker: url, backend: url, adapters });
    cleanups.push(() => client.close());
    await roundTrip(client, queue, 1);

    // (b) every connection reset by the server, the blocked BRPOP and the pub/sub ones included.
    const admin = new Redis(server.port, server.host);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub', 'SKIPME', 'yes');
    admin.disconnect();
    await roundTrip(client, queue, 2);

    // (c) down for several blocking-pop timeouts, then back with an empty dataset.
    await server.stop();
    await sleep(3500);
    await server.restart();
    await roundTrip(client, queue, 3);

    // (a) a plain restart.
    await server.restart();
    await roundTrip(client, queue, 4);
    await roundTrip(client, queue, 5);
  }, 120_000);
});

describe('recovery on RabbitMQ (shared node behind a proxy)', () => {
  it('worker and client go on after the connections are reset, an outage, and a reconnect storm', async () => {
    const vhost = await createTestVhost();
    cleanups.push(() => vhost.dispose());
    const proxy = await startTcpProxy({ targetPort: 5672 });
    cleanups.push(() => proxy.close());
    const url = `amqp://guest:guest@127.0.0.1:${proxy.port}/${encodeURIComponent(vhost.name)}`;
    const backend = `redis://127.0.0.1:6379/${1 + Math.floor(Math.random() * 15)}`;
    const queue = `recovery-${crypto.randomUUID()}`;
    const adapters = [amqpBrokerAdapter, redisBackendAdapter];
    const brokerOptions = { reconnectDelay: 100, maxReconnectDelay: 1000, heartbeat: 5 };
    const worker = createWorker({ broker: url, backend, adapters, tasks, queues: [queue], brokerOptions });
    await worker.start();
    cleanups.push(() => worker.stop());
    const client = createClient({ broker: url, backend, adapters, brokerOptions });
    cleanups.push(() => client.close());
    await roundTrip(client, queue, 1);

    // (b) every connection through the proxy reset (what `rabbitmqctl close_connection` or a blip does).
    proxy.cut();
    await roundTrip(client, queue, 2);

    // (c) the node unreachable for a while (connections refused), then reachable again.
    await proxy.down();
    await sleep(3500);
    await proxy.up();
    await roundTrip(client, queue, 3);

    // (a) a restart as the clients see it: cut, and the very next connections refused once.
    await proxy.down();
    await proxy.up();
    await roundTrip(client, queue, 4);
    await roundTrip(client, queue, 5);
  }, 120_000);
});
