/**
 * rpc:// end to end over RabbitMQ: a worker-side backend sends each state to the reply queue named
 * in the request it stores it with (the worker passes the delivered message's reply_to), in
 * Celery's format, whatever its broker has or has not delivered; a client-side backend reads the
 * reply queue it was told about by `watch`; Celery's captured result messages are read as Python's
 * client reads them.
 */
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { encodeTaskMessage, jsonSerializer, READY_STATES } from '@celerity/core';
import type { Delivery, ResultMeta } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAmqpBroker, createRpcBackend, type AmqpBroker, type RpcBackend } from '../src/index.js';
import { loadFixture } from './vectors.js';
import { createTestVhost, type TestVhost } from './vhost.js';

let vhost: TestVhost;
let raw: ChannelModel;
const closers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  vhost = await createTestVhost();
  raw = await amqp.connect(vhost.url);
});
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});
afterAll(async () => {
  await raw?.close().catch(() => undefined);
  await vhost?.dispose();
});

function broker(): AmqpBroker {
  const b = createAmqpBroker({ url: vhost.url });
  closers.push(b);
  return b;
}
function backend(options: Parameters<typeof createRpcBackend>[0]): RpcBackend {
  const b = createRpcBackend(options);
  closers.push(b);
  return b;
}
function meta(taskId: string, status: string, result: unknown): ResultMeta {
  return { status, result, traceback: null, children: [], date_done: READY_STATES.has(status) ? '2026-01-02T03:04:05.000001+00:00' : null, task_id: taskId };
}

describe('rpc:// between a worker and a client', () => {
  it('sends each state to the reply_to of its request; the client reads the queue it watched', async () => {
    const clientBroker = broker();
    const workerBroker = broker();
    const clientResults = backend({ broker: clientBroker });
    const workerResults = backend({ broker: workerBroker });
    const queue = `tasks-${randomUUID()}`;
    await clientBroker.declareQueue(queue);

    // The client's app id is not the backend's own queue: the watch request names it.
    const appId = randomUUID();
    const id = randomUUID();
    const watching = clientResults.watch(id, { replyTo: appId });
    expect(watching).toBeInstanceOf(Promise);
    await watching;
    expect(clientResults.watch(randomUUID(), { replyTo: appId })).toBeUndefined();
    await clientBroker.publish({ queue }, encodeTaskMessage({ task: 'tasks.add', id, args: [1, 2], replyTo: appId }, { serializer: jsonSerializer }));
    const seen: string[] = [];
    const waiting = clientResults.wait(id, { timeout: 10, onState: (m) => void seen.push(m.status) });

    const deliveries: Delivery[] = [];
    await workerBroker.consume([queue], (d) => void deliveries.push(d));
    await waitFor(() => deliveries.length === 1, { message: 'the task' });
    const delivered = deliveries[0] as Delivery;
    await delivered.ack();
    const request = { replyTo: delivered.envelope.properties.replyTo ?? '', correlationId: id };
    expect(request.replyTo).toBe(appId);
    await workerResults.store(meta(id, 'STARTED', { pid: 1, hostname: 'w' }), request);
    await waitFor(() => seen.includes('STARTED'), { message: 'STARTED through onState' });
    await workerResults.store(meta(id, 'SUCCESS', 3), request);

    expect(await waiting).toEqual(meta(id, 'SUCCESS', 3));
    expect(clientResults.replyTo).not.toBe(appId);
    expect(await clientResults.get(id)).toEqual(meta(id, 'SUCCESS', 3));
  });

  it("a result stored through a backend whose broker never saw the delivery still reaches the caller's reply queue", async () => {
    const clientBroker = broker();
    const clientResults = backend({ broker: clientBroker });
    const queue = `tasks-${randomUUID()}`;
    await clientBroker.declareQueue(queue);
    const appId = randomUUID();
    const id = randomUUID();
    await clientResults.watch(id, { replyTo: appId });
    await clientBroker.publish({ queue }, encodeTaskMessage({ task: 'tasks.add', id, args: [1, 2], replyTo: appId }, { serializer: jsonSerializer }));
    const waiting = clientResults.wait(id, { timeout: 10 });

    // One worker takes the delivery; a second broker + backend pair, which never consumed anything,
    // stores the result with the request alone.
    const consuming = broker();
    const deliveries: Delivery[] = [];
    await consuming.consume([queue], (d) => void deliveries.push(d));
    await waitFor(() => deliveries.length === 1, { message: 'the task' });
    await deliveries[0]?.ack();
    const stranger = backend({ broker: broker() });
    await stranger.store(meta(id, 'SUCCESS', 3), { replyTo: appId, correlationId: id });

    expect(await waiting).toEqual(meta(id, 'SUCCESS', 3));
  });

  it('keeps no state per task: 100,001 results to 16 reply queues all arrive, each where its request said', { timeout: 180_000 }, async () => {
    const total = 100_001;
    const channel = await raw.createChannel();
    const queues: string[] = [];
    for (let q = 0; q < 16; q++) queues.push((await channel.assertQueue(`celerity-test-reply-${q}-${randomUUID()}`, { exclusive: true })).queue);
    const worker = backend({ broker: broker() });
    // The worker's result writer sends batches of up to 500 through storeMany.
    for (let start = 0; start < total; start += 500) {
      const metas: ResultMeta[] = [];
      const requests: Array<{ replyTo: string; correlationId: string }> = [];
      for (let i = start; i < Math.min(total, start + 500); i++) {
        metas.push(meta(`task-${i}`, 'SUCCESS', i));
        requests.push({ replyTo: queues[i % queues.length] as string, correlationId: `corr-${i}` });
      }
      await worker.storeMany(metas, requests);
    }
    const counts = await Promise.all(queues.map(async (queue) => (await channel.checkQueue(queue)).messageCount));
    expect(counts).toEqual(queues.map((_, q) => Math.floor(total / queues.length) + (q < total % queues.length ? 1 : 0)));
    // The first and the last message of each queue name tasks routed to it, with the request's correlation id.
    for (const [q, queue] of queues.entries()) {
      const first = await channel.get(queue, { noAck: true });
      if (first === false) throw new Error(`queue ${q} is empty`);
      const body = JSON.parse(first.content.toString()) as { task_id: string; result: number };
      expect(body.result % queues.length).toBe(q);
      expect(first.properties.correlationId).toBe(`corr-${body.result}`);
    }
    await channel.close();
  });

  it('writes state messages in the format of the captured Celery worker', async () => {
    const workerResults = backend({ broker: broker() });
    const channel = await raw.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    const items = loadFixture('rpc_backend_results.json')['items'] as Array<Record<string, unknown>>;
    const captured = items[1] as Record<string, unknown>;
    const id = randomUUID();
    // As a Python client sends it: correlation_id = the task id.
    const request = { replyTo: queue, correlationId: id };
    await workerResults.store(meta(id, 'STARTED', { pid: 15363, hostname: 'cap@vm' }), request);
    await workerResults.store({ ...meta(id, 'SUCCESS', 3), date_done: null }, request);
    const first = await waitFor(async () => (await channel.get(queue, { noAck: true })) || undefined, { message: 'STARTED' });
    const second = await waitFor(async () => (await channel.get(queue, { noAck: true })) || undefined, { message: 'SUCCESS' });
    expect(first.fields).toMatchObject({ exchange: '', routingKey: queue });
    const props = second.properties;
    expect({ correlation_id: props.correlationId, priority: props.priority, delivery_mode: props.deliveryMode, content_encoding: props.contentEncoding, content_type: props.contentType }).toEqual({
      ...(captured['properties'] as Record<string, unknown>),
      correlation_id: id,
    });
    expect(props.headers).toEqual(captured['headers']);
    const body = JSON.parse(second.content.toString()) as Record<string, unknown>;
    expect(body).toEqual({ ...(captured['body'] as Record<string, unknown>), task_id: id });
    expect(Object.keys(body)).toEqual(Object.keys(captured['body'] as Record<string, unknown>));
    expect(JSON.parse(first.content.toString())).toEqual({ task_id: id, status: 'STARTED', result: { pid: 15363, hostname: 'cap@vm' }, traceback: null, children: [] });
    await channel.close();
  });

  it("reads Celery's captured state messages as Python's client does", async () => {
    const replyTo = randomUUID();
    const client = backend({ url: vhost.url, replyTo });
    const items = loadFixture('rpc_backend_results.json')['items'] as Array<{ properties: Record<string, unknown>; headers: Record<string, unknown>; body_b64: string; body: Record<string, unknown> }>;
    const ids = [...new Set(items.map((i) => i.body['task_id'] as string))];
    const seen: string[] = [];
    const waits = ids.map((id) => client.wait(id, { timeout: 10, onState: (m) => void seen.push(`${m.task_id}:${m.status}`) }));
    await client.get(randomUUID()); // the reply queue exists and is consumed once this returns
    const channel = await raw.createConfirmChannel();
    for (const item of items) {
      const p = item.properties;
      channel.publish('', replyTo, Buffer.from(item.body_b64, 'base64'), {
        correlationId: p['correlation_id'] as string,
        priority: p['priority'] as number,
        deliveryMode: p['delivery_mode'] as number,
        contentType: p['content_type'] as string,
        contentEncoding: p['content_encoding'] as string,
        headers: item.headers,
      });
    }
    await channel.waitForConfirms();
    const [success, failure] = await Promise.all(waits);
    expect(success).toMatchObject({ status: 'SUCCESS', result: 3, traceback: null, children: [], date_done: null });
    expect(failure).toMatchObject({ status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['bad'], exc_module: 'builtins' } });
    expect(failure?.traceback).toMatch(/ValueError: bad/);
    expect(seen).toEqual(ids.map((id) => `${id}:STARTED`));
    await channel.close();
  });

  it('keeps states that arrive before anyone waits, for a later wait or get', async () => {
    const replyTo = randomUUID();
    const client = backend({ url: vhost.url, replyTo });
    const worker = backend({ url: vhost.url });
    const [early, late] = [randomUUID(), randomUUID()];
    await client.get(late); // starts consuming the reply queue
    await worker.storeMany([meta(early, 'SUCCESS', 'first'), meta(late, 'STARTED', null)], [{ replyTo }, { replyTo }]);
    await waitFor(async () => (await client.get(late))?.status === 'STARTED', { message: 'the STARTED state' });
    expect((await client.wait(early, { timeout: 5 })).result).toBe('first');
  });

  it('drops states whose request names no reply queue, as Celery does', async () => {
    const workerBroker = broker();
    const debug: string[] = [];
    const worker = backend({ broker: workerBroker, logger: { debug: (m) => void debug.push(m), info() {}, warn() {}, error() {} } });
    const [bare, uncorrelated] = [randomUUID(), randomUUID()];
    await worker.store(meta(bare, 'SUCCESS', 1));
    await worker.store(meta(uncorrelated, 'SUCCESS', 1), { correlationId: uncorrelated, replyTo: '' });
    for (const id of [bare, uncorrelated]) expect(debug.some((m) => m.includes(id) && m.includes('no reply_to'))).toBe(true);
  });

  it('sends states without a reply queue to its own queue when given replyTo (a client storing its own results)', async () => {
    const replyTo = randomUUID();
    const own = backend({ broker: broker(), replyTo });
    const id = randomUUID();
    await own.store(meta(id, 'SUCCESS', 'mine'));
    expect((await own.wait(id, { timeout: 5 })).result).toBe('mine');
  });

  it('rejects waits with ClosedError on close', async () => {
    const client = backend({ url: vhost.url });
    const outcome = expect(client.wait(randomUUID())).rejects.toMatchObject({ code: 'CLOSED' });
    await client.close();
    await outcome;
    await expect(client.get(randomUUID())).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
