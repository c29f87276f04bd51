/**
 * rpc:// end to end over RabbitMQ: a worker-side backend attached to the worker's broker sends each
 * state to the reply queue the delivered task named, in Celery's format; a client-side backend
 * attached to the client's broker reads the reply queue of the tasks it watched; Celery's captured
 * result messages are read as Python's client reads them.
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
  it("sends each state to the delivered task's reply_to; the client reads the queue of the tasks it watched", async () => {
    const clientBroker = broker();
    const workerBroker = broker();
    const clientResults = backend({ broker: clientBroker });
    const workerResults = backend({ broker: workerBroker });
    const queue = `tasks-${randomUUID()}`;
    await clientBroker.declareQueue(queue);

    // The client's app id is not the backend's own queue: the backend learns it from the publish.
    const appId = randomUUID();
    const id = randomUUID();
    clientResults.watch?.(id);
    await clientBroker.publish({ queue }, encodeTaskMessage({ task: 'tasks.add', id, args: [1, 2], replyTo: appId }, { serializer: jsonSerializer }));
    const seen: string[] = [];
    const waiting = clientResults.wait(id, { timeout: 10, onState: (m) => void seen.push(m.status) });

    const deliveries: Delivery[] = [];
    await workerBroker.consume([queue], (d) => void deliveries.push(d));
    await waitFor(() => deliveries.length === 1, { message: 'the task' });
    await deliveries[0]?.ack();
    await workerResults.store(meta(id, 'STARTED', { pid: 1, hostname: 'w' }));
    await waitFor(() => seen.includes('STARTED'), { message: 'STARTED through onState' });
    await workerResults.store(meta(id, 'SUCCESS', 3));

    expect(await waiting).toEqual(meta(id, 'SUCCESS', 3));
    expect(clientResults.replyTo).not.toBe(appId);
    expect(await clientResults.get(id)).toEqual(meta(id, 'SUCCESS', 3));
  });

  it('writes state messages in the format of the captured Celery worker', async () => {
    const workerResults = backend({ broker: broker() });
    const channel = await raw.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    const items = loadFixture('rpc_backend_results.json')['items'] as Array<Record<string, unknown>>;
    const captured = items[1] as Record<string, unknown>;
    const id = randomUUID();
    workerResults.setReplyTo(id, queue);
    await workerResults.store(meta(id, 'STARTED', { pid: 15363, hostname: 'cap@vm' }));
    await workerResults.store({ ...meta(id, 'SUCCESS', 3), date_done: null });
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
    worker.setReplyTo(early, replyTo);
    worker.setReplyTo(late, replyTo);
    await worker.storeMany([meta(early, 'SUCCESS', 'first'), meta(late, 'STARTED', null)]);
    await waitFor(async () => (await client.get(late))?.status === 'STARTED', { message: 'the STARTED state' });
    expect((await client.wait(early, { timeout: 5 })).result).toBe('first');
  });

  it('drops states of tasks without a known reply address, as Celery does', async () => {
    const workerBroker = broker();
    const debug: string[] = [];
    const worker = backend({ broker: workerBroker, logger: { debug: (m) => void debug.push(m), info() {}, warn() {}, error() {} } });
    const id = randomUUID();
    await worker.store(meta(id, 'SUCCESS', 1));
    expect(debug.some((m) => m.includes(id) && m.includes('no reply_to'))).toBe(true);
  });

  it('rejects waits with ClosedError on close', async () => {
    const client = backend({ url: vhost.url });
    const outcome = expect(client.wait(randomUUID())).rejects.toMatchObject({ code: 'CLOSED' });
    await client.close();
    await outcome;
    await expect(client.get(randomUUID())).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
