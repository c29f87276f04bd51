/**
 * What our broker puts on RabbitMQ, checked from the outside the way a Python peer would see it:
 * a raw amqplib consumer with a tap on its socket reads a published task (properties as in the
 * captured vectors, every integer header tagged `I`), and `rabbitmqctl` lists the queues,
 * exchanges and bindings we declared, which must equal Celery's (`topology.json`).
 */
import amqp from 'amqplib';
import type { ChannelModel, GetMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { encodeTaskMessage, jsonSerializer } from '@celerity/core';
import { waitFor } from '@celerity/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAmqpBroker, createRpcBackend, type AmqpBroker } from '../src/index.js';
import { headerTablesIn, tagsOfTable, tapConnection, type TagTree } from './field-tags.js';
import { loadFixture, pyAmqpProperties, taskVectors } from './vectors.js';
import { createTestVhost, listObjects, type TestVhost } from './vhost.js';

let vhost: TestVhost;
let broker: AmqpBroker;
let raw: ChannelModel;

beforeAll(async () => {
  vhost = await createTestVhost();
  broker = createAmqpBroker({ url: vhost.url });
  raw = await amqp.connect(vhost.url);
});
afterAll(async () => {
  await raw?.close().catch(() => undefined);
  await broker?.close();
  await vhost?.dispose();
});

function scalarTags(tree: TagTree): string[] {
  if (typeof tree === 'string') return [tree];
  return (Array.isArray(tree) ? tree : Object.values(tree)).flatMap(scalarTags);
}

async function getOne(channel: amqp.Channel, queue: string): Promise<GetMessage> {
  return waitFor(async () => (await channel.get(queue, { noAck: true })) || undefined, { timeout: 5000, message: `a message in ${queue}` });
}

describe('a published task, as a Python consumer sees it', () => {
  it('has the properties, routing and header types of the captured Celery message', async () => {
    await broker.declareQueue('celery');
    const vector = taskVectors().find((v) => v.file === 'task_options_misc.json');
    if (vector === undefined) throw new Error('vector missing');
    const id = randomUUID();
    const replyTo = randomUUID();
    const envelope = encodeTaskMessage(
      { task: 'tasks.add', id, args: [1, 2], timeLimit: [30, 20], shadow: 'add-shadow-name', ignoreResult: true, headers: { 'x-custom': 'hello', big: 2 ** 40, neg: -300 }, replyTo, priority: 0 },
      { serializer: jsonSerializer },
    );
    await broker.publish({ queue: 'celery' }, envelope);

    const tappedConnection = await amqp.connect(vhost.url);
    const tap = tapConnection(tappedConnection);
    const channel = await tappedConnection.createChannel();
    const message = await getOne(channel, 'celery');
    await tappedConnection.close();

    expect(message.fields).toMatchObject({ exchange: '', routingKey: 'celery', redelivered: false });
    const celery = vector.published.properties_py_amqp_names;
    expect(pyAmqpProperties(message.properties as unknown as Record<string, unknown>)).toEqual({ ...celery, correlation_id: id, reply_to: replyTo });
    expect(message.properties.headers).toMatchObject({ id, timelimit: [30, 20], retries: 0, group_index: null, 'x-custom': 'hello', big: 2 ** 40, neg: -300 });
    expect(message.content.equals(Buffer.from(envelope.body))).toBe(true);

    const tables = headerTablesIn(tap.bytes());
    expect(tables).toHaveLength(1);
    const tags = tagsOfTable(tables[0] as Buffer);
    expect(tags['timelimit']).toEqual(['I', 'I']);
    expect(tags['retries']).toBe('I');
    expect(tags['neg']).toBe('I');
    expect(tags['big']).toBe('l');
    const integers = scalarTags(tags).filter((t) => 'bBsuUiI'.includes(t));
    expect(new Set(integers)).toEqual(new Set(['I']));
  });

  it('publishes broadcasts non-persistent to the named exchange with the routing key', async () => {
    const channel = await raw.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await broker.broadcast('celeryev', 'worker.heartbeat', { body: Buffer.from('{}'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { hostname: 'cap@vm' }, properties: {} });
    await channel.bindQueue(queue, 'celeryev', 'worker.#');
    await broker.broadcast('celeryev', 'worker.heartbeat', { body: Buffer.from('{}'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { hostname: 'cap@vm' }, properties: {} });
    const message = await getOne(channel, queue);
    const captured = (loadFixture('events_worker_and_mingle.json')['items'] as Array<Record<string, unknown>>).find((i) => i['routing_key'] === 'worker.heartbeat');
    expect(message.fields).toMatchObject({ exchange: 'celeryev', routingKey: 'worker.heartbeat' });
    expect(message.properties.deliveryMode).toBe((captured?.['properties'] as Record<string, unknown>)['delivery_mode']);
    expect(message.properties.headers).toEqual(captured?.['headers']);
    await channel.close();
  });
});

describe('topology', () => {
  interface Topology {
    exchanges: Array<Record<string, unknown>>;
    queues: Array<Record<string, unknown>>;
    bindings: Array<Record<string, unknown>>;
  }
  const topology = loadFixture('topology.json') as unknown as Topology;
  const find = (rows: Array<Record<string, unknown>>, name: string) => rows.find((r) => r['name'] === name);
  const argsOf = (row: Record<string, unknown> | undefined) => Object.fromEntries(((row?.['arguments'] ?? []) as Array<[string, string, unknown]>).map(([k, , v]) => [k, v]));
  const typesOf = (row: Record<string, unknown> | undefined) => Object.fromEntries(((row?.['arguments'] ?? []) as Array<[string, string, unknown]>).map(([k, t]) => [k, t]));

  it("declares the default queue, its exchange and binding exactly as Celery's", async () => {
    await broker.declareQueue('celery');
    await broker.declareQueue('q.custom');
    const queues = await listObjects(vhost.name, 'queues', ['name', 'durable', 'auto_delete', 'exclusive', 'arguments']);
    const exchanges = await listObjects(vhost.name, 'exchanges', ['name', 'type', 'durable', 'auto_delete', 'arguments']);
    const bindings = await listObjects(vhost.name, 'bindings', ['source_name', 'destination_name', 'routing_key']);
    for (const name of ['celery', 'q.custom']) {
      const celery = find(topology.queues, 'celery');
      expect({ ...find(queues, name), arguments: argsOf(find(queues, name)) }).toEqual({ name, durable: celery?.['durable'], auto_delete: celery?.['auto_delete'], exclusive: celery?.['exclusive'], arguments: {} });
      const exchange = find(topology.exchanges, name);
      expect({ ...find(exchanges, name), arguments: {} }).toEqual({ name, type: exchange?.['type'], durable: exchange?.['durable'], auto_delete: exchange?.['auto_delete'], arguments: {} });
      expect(bindings).toContainEqual({ source_name: name, destination_name: name, routing_key: name });
    }
  });

  it('types queue arguments as py-amqp does (signed int), so Celery can redeclare the queue', async () => {
    await broker.declareQueue('prio', { maxPriority: 10 });
    const row = find(await listObjects(vhost.name, 'queues', ['name', 'arguments']), 'prio');
    expect(argsOf(row)).toEqual({ 'x-max-priority': 10 });
    expect(typesOf(row)).toEqual({ 'x-max-priority': 'signedint' });
    // A declaration with py-amqp's types is equivalent: no 406.
    const channel = await raw.createChannel();
    await expect(channel.assertQueue('prio', { durable: true, arguments: { 'x-max-priority': { '!': 'int', value: 10 } } })).resolves.toMatchObject({ queue: 'prio' });
    await channel.close();
  });

  it("declares control and event exchanges and subscriber queues with Celery's flags", async () => {
    const subs = [await broker.subscribe('celery.pidbox', '', () => undefined), await broker.subscribe('celeryev', 'worker.#', () => undefined), await broker.subscribe('reply.celery.pidbox', 'oid-1', () => undefined)];
    const exchanges = await listObjects(vhost.name, 'exchanges', ['name', 'type', 'durable', 'auto_delete']);
    for (const name of ['celery.pidbox', 'celeryev', 'reply.celery.pidbox']) {
      const captured = find(topology.exchanges, name);
      expect(find(exchanges, name)).toEqual({ name, type: captured?.['type'], durable: captured?.['durable'], auto_delete: captured?.['auto_delete'] });
    }
    const queues = await listObjects(vhost.name, 'queues', ['name', 'durable', 'auto_delete', 'exclusive', 'arguments']);
    const pairs: Array<[(name: string) => boolean, string]> = [
      [(n) => n.endsWith('.celery.pidbox') && !n.includes('reply'), 'cap@vm.celery.pidbox'],
      [(n) => n.startsWith('celeryev.'), 'celeryev.f432bb30-a746-4cc0-bee9-38de5bd04b2f'],
      [(n) => n.startsWith('oid-1.reply.celery.pidbox'), 'dec63847-467f-3299-8eca-16c1f67620cf.reply.celery.pidbox'],
    ];
    for (const [match, capturedName] of pairs) {
      const ours = queues.find((q) => match(q['name'] as string));
      const captured = find(topology.queues, capturedName);
      expect({ durable: ours?.['durable'], auto_delete: ours?.['auto_delete'], arguments: argsOf(ours) }).toEqual({ durable: captured?.['durable'], auto_delete: captured?.['auto_delete'], arguments: captured?.['arguments'] });
      // Exclusive where Celery is not: allowed by every Celery version (appendix §3.4), required by RabbitMQ 4.3.
      expect(ours?.['exclusive']).toBe(true);
    }
    const bindings = await listObjects(vhost.name, 'bindings', ['source_name', 'destination_name', 'routing_key']);
    expect(bindings.filter((b) => b['source_name'] === 'celeryev' && String(b['destination_name']).startsWith('celeryev.')).map((b) => b['routing_key'])).toEqual(['worker.#']);
    expect(bindings.filter((b) => b['source_name'] === 'reply.celery.pidbox').map((b) => b['routing_key'])).toEqual(['oid-1']);
    for (const sub of subs) await sub.unsubscribe();
  });

  it("declares the rpc:// reply queue as Celery's (auto-delete, x-expires one day) but durable, as RabbitMQ 4.3 needs", async () => {
    const replyTo = randomUUID();
    const backend = createRpcBackend({ broker, replyTo });
    await backend.get(randomUUID());
    const row = find(await listObjects(vhost.name, 'queues', ['name', 'durable', 'auto_delete', 'exclusive', 'arguments']), replyTo);
    const captured = find(topology.queues, 'd823a15e-67a0-3652-b8e9-cd38b8b5f234');
    // Celery 5.2-5.6 declare it non-durable and non-exclusive, which RabbitMQ 4.3 refuses.
    expect(captured?.['durable']).toBe(false);
    expect({ ...row, arguments: argsOf(row) }).toEqual({ name: replyTo, durable: true, auto_delete: captured?.['auto_delete'], exclusive: captured?.['exclusive'], arguments: captured?.['arguments'] });
    await backend.close();
    await waitFor(async () => !find(await listObjects(vhost.name, 'queues', ['name']), replyTo), { timeout: 5000, message: 'the auto-delete reply queue to go' });
  });
});
