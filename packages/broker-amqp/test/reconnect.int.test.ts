/**
 * Connection loss against a RabbitMQ node this test starts itself (never the shared one): the node
 * is stopped mid-run and started again. The same Consumer keeps consuming, unacked messages come
 * back redelivered, publishes made during the outage either succeed after the reconnect or fail
 * with ConnectionError (never silently lost), subscriptions and rpc:// reply queues come back.
 */
import { randomUUID } from 'node:crypto';
import { ConnectionError } from '@celerity/core';
import type { BroadcastMessage, Delivery } from '@celerity/core';
import { startRabbitServer, waitFor, type RabbitServer } from '@celerity/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAmqpBroker, createRpcBackend, type AmqpBroker } from '../src/index.js';

let server: RabbitServer;
let broker: AmqpBroker;

const envelope = (label: string) => ({ body: Buffer.from(JSON.stringify(label)), contentType: 'application/json', contentEncoding: 'utf-8', headers: { id: label }, properties: {} });
const label = (d: Delivery): string => JSON.parse(Buffer.from(d.envelope.body).toString()) as string;

beforeAll(async () => {
  server = await startRabbitServer();
  broker = createAmqpBroker({ url: server.url, publishTimeout: 60_000, reconnectDelay: 100, maxReconnectDelay: 1000, heartbeat: 5 });
}, 120_000);
afterAll(async () => {
  await broker?.close();
  await server?.dispose();
}, 120_000);

it('keeps consuming with the same Consumer across a restart; nothing confirmed is lost', { timeout: 180_000 }, async () => {
  await broker.declareQueue('tasks');
  const received = new Map<string, number>();
  let held: Delivery | undefined;
  let heldAgain: Delivery | undefined;
  const consumer = await broker.consume(
    ['tasks'],
    (d) => {
      if (label(d) === 'hold' && held === undefined) {
        held = d; // left unacked across the restart
        return;
      }
      if (label(d) === 'hold') heldAgain = d;
      received.set(label(d), (received.get(label(d)) ?? 0) + 1);
      void d.ack().catch(() => undefined);
    },
    { prefetch: 20 },
  );
  await broker.publish({ queue: 'tasks' }, envelope('hold'));
  await broker.publishMany(Array.from({ length: 50 }, (_, i) => ({ target: { queue: 'tasks' }, envelope: envelope(`before-${i}`) })));
  await waitFor(() => held !== undefined && received.size === 50, { timeout: 10_000, message: 'messages before the restart' });

  // Publish continuously while the node goes down and comes back.
  const confirmed: string[] = [];
  const failed: unknown[] = [];
  let publishing = true;
  const publisher = (async () => {
    for (let i = 0; publishing; i++) {
      const name = `during-${i}`;
      await broker.publish({ queue: 'tasks' }, envelope(name)).then(
        () => void confirmed.push(name),
        (error: unknown) => void failed.push(error),
      );
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await waitFor(() => confirmed.length >= 20, { timeout: 10_000, message: 'publishes before the stop' });
  // The first connection is not a reconnect (metrics read this count).
  expect(broker.reconnects).toBe(0);
  await server.stop();
  const confirmedAtStop = confirmed.length;
  await server.start();
  await waitFor(() => confirmed.length >= confirmedAtStop + 20, { timeout: 60_000, message: 'publishes after the restart' });
  publishing = false;
  await publisher;

  // Everything confirmed arrives (at least once: a publish cut by the stop is sent again).
  await waitFor(() => confirmed.every((name) => received.has(name)), { timeout: 30_000, message: 'every confirmed message' });
  for (const error of failed) expect(error).toBeInstanceOf(ConnectionError);
  expect(failed).toHaveLength(0);
  // The message held unacked comes back, flagged redelivered; settling the old delivery fails.
  await waitFor(() => heldAgain !== undefined, { timeout: 10_000, message: 'the held message again' });
  expect(held?.redelivered).toBe(false);
  expect(heldAgain?.redelivered).toBe(true);
  await expect(held?.ack()).rejects.toBeInstanceOf(ConnectionError);
  expect(broker.reconnects).toBe(1);
  await consumer.cancel();
});

it('fails a publish with ConnectionError when RabbitMQ stays away longer than the timeout', { timeout: 180_000 }, async () => {
  await server.stop();
  const started = Date.now();
  await expect(broker.publish({ queue: 'tasks' }, envelope('lost'), { timeout: 1000 })).rejects.toBeInstanceOf(ConnectionError);
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  await server.start();
  await broker.publish({ queue: 'tasks' }, envelope('after'), { timeout: 30_000 });
  expect(await broker.size('tasks')).toBeGreaterThanOrEqual(1);
  await broker.purge('tasks');
});

it('resubscribes broadcasts and re-consumes rpc:// reply queues after a restart', { timeout: 180_000 }, async () => {
  const messages: BroadcastMessage[] = [];
  await broker.subscribe('celeryev', 'task.#', (m) => void messages.push(m));
  const replyTo = randomUUID();
  const results = createRpcBackend({ broker, replyTo });
  await results.get(randomUUID()); // consuming the reply queue
  const id = randomUUID();
  const waiting = results.wait(id, { timeout: 90 });

  await server.stop();
  await server.start();

  // Broadcasts are lossy; send until the new subscription sees one.
  await waitFor(
    async () => {
      await broker.broadcast('celeryev', 'task.multi', envelope('event'));
      return messages.length > 0;
    },
    { timeout: 30_000, interval: 200, message: 'a broadcast after the restart' },
  );
  expect(messages[0]).toMatchObject({ exchange: 'celeryev', routingKey: 'task.multi' });
  // The worker side stores once the reply queue exists again.
  await waitFor(
    async () => {
      await results.store({ status: 'SUCCESS', result: 'ok', traceback: null, children: [], date_done: null, task_id: id });
      return (await Promise.race([waiting, new Promise((resolve) => setTimeout(resolve, 200, undefined))])) !== undefined;
    },
    { timeout: 30_000, message: 'the result after the restart' },
  );
  expect((await waiting).result).toBe('ok');
  await results.close();
});
