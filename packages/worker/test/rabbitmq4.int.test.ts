/**
 * Everything Celerity declares on RabbitMQ, on a RabbitMQ 4.0 node with the deprecated features
 * RabbitMQ 4.3 denies denied (rabbitmq4-node.ts): task queues (classic and quorum, with their
 * delayed-delivery topology), ETA tasks, the dead-letter queue, the pidbox exchanges and queues
 * (a ping and its reply), `celeryev` and the event receivers' queues (a broker subscription and
 * `celerity events --dump`), rpc:// reply queues, and the `celerity.revoked` stream; and a worker's
 * prefetch window, per queue consumed now that QoS is per consumer. On 4.0 a denied global QoS is
 * only logged, so the node's log is read: it must show no deprecated feature used by Celerity, and
 * the negative checks at the end show both denials at work (a transient non-exclusive queue is
 * refused, also as a task queue declared `durable: false`; global QoS is logged).
 * Outside CI the file is skipped when the node cannot be started here (no root, no chroot); in CI
 * that fails.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BroadcastMessage, TaskContext } from '@celerity/core';
import { ConfigurationError, defineTask } from '@celerity/core';
import { EVENT_EXCHANGE, decodeEvents } from '@celerity/core/internal';
import type { CeleryEvent } from '@celerity/core/internal';
import { createAmqpBroker, createRpcBackend } from '@celerity/broker-amqp';
import { createClient } from '@celerity/client';
import type { Client } from '@celerity/client';
import { randomSuffix, waitFor, type RabbitServer } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import type { Worker } from '@celerity/worker';
import { rabbit4Unavailable, startRabbit4 } from './rabbitmq4-node.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const unavailable = await rabbit4Unavailable();
const skip = unavailable !== undefined && !process.env['CI'];

const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const ran = new Set<string>();
const mark = defineTask({ name: 'tasks.mark', params: [] }, (ctx: TaskContext) => void ran.add(ctx.id));
const QUORUM = 'r4.quorum';
let openGate: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (openGate = resolve));
const block = defineTask({ name: 'tasks.block', params: ['n'] }, async (n: number) => {
  await gate;
  return n;
});

const cleanups: Array<() => Promise<unknown>> = [];
let node: RabbitServer;
let client: Client;
let worker: Worker;
const heard: BroadcastMessage[] = [];
const events = (): CeleryEvent[] => heard.flatMap((m) => decodeEvents(m.envelope));
/** The first line of each `Deprecated features:` error in the node's log: the feature's name. */
const deprecatedUses = async (): Promise<string[]> => [...(await readFile(node.logFile, 'utf8')).matchAll(/Deprecated features: `(\w+)`/g)].map((m) => m[1] as string);

describe.skipIf(skip)('RabbitMQ 4.0 with what 4.3 denies denied' + (skip ? ` (skipped: ${unavailable})` : ''), () => {
  beforeAll(async () => {
    if (unavailable !== undefined) throw new Error(`CI needs a RabbitMQ 4 node: ${unavailable}`);
    node = await startRabbit4();
    cleanups.push(() => node.dispose());
    const monitor = createAmqpBroker({ url: node.url });
    cleanups.push(() => monitor.close());
    await monitor.subscribe(EVENT_EXCHANGE, '#', (message) => heard.push(message));

    const workerBroker = createAmqpBroker({ url: node.url });
    const workerBackend = createRpcBackend({ url: node.url });
    worker = createWorker({
      broker: workerBroker,
      backend: workerBackend,
      tasks: [add, mark],
      queues: ['celery', QUORUM],
      queueOptions: { [QUORUM]: { queueType: 'quorum' } },
      hostname: `r4-${randomSuffix()}@test`,
      eventsEnabled: true,
      concurrency: 2,
    });
    cleanups.push(async () => {
      await worker.stop({ force: true });
      await workerBroker.close();
      await workerBackend.close();
    });
    await worker.start();

    const clientBroker = createAmqpBroker({ url: node.url });
    const clientBackend = createRpcBackend({ url: node.url });
    client = createClient({ broker: clientBroker, backend: clientBackend, queues: { [QUORUM]: { queueType: 'quorum' } } });
    cleanups.push(async () => {
      await client.close();
      await clientBroker.close();
      await clientBackend.close();
    });
  }, 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('runs a round trip on a classic and a quorum queue, with rpc:// results', async () => {
    const classic = await client.send('tasks.add', [2, 3]);
    const quorum = await client.send('tasks.add', [4, 5], { queue: QUORUM });
    expect(await classic.get({ timeout: 10 })).toBe(5);
    expect(await quorum.get({ timeout: 10 })).toBe(9);
  });

  it('runs ETA tasks on both queue types', async () => {
    const classic = await client.send('tasks.add', [1, 1], { countdown: 1 });
    const quorum = await client.send('tasks.add', [2, 2], { queue: QUORUM, countdown: 1 });
    expect(await classic.get({ timeout: 15 })).toBe(2);
    expect(await quorum.get({ timeout: 15 })).toBe(4);
  });

  it('answers a broadcast ping through the pidbox exchanges', async () => {
    const replies = await client.control.ping({ timeout: 2 });
    expect(replies).toContainEqual({ [worker.hostname]: { ok: 'pong' } });
  });

  it('sends events an event receiver hears', async () => {
    const result = await client.send('tasks.add', [3, 4]);
    expect(await result.get({ timeout: 10 })).toBe(7);
    await waitFor(() => events().some((e) => e.type === 'task-succeeded' && e['uuid'] === result.id), { message: 'task-succeeded' });
    expect(events().some((e) => e.type === 'worker-online' && e['hostname'] === worker.hostname)).toBe(true);
  });

  it('`celerity events --dump` hears the worker through its own event queue', async () => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'events', '--dump', '-b', node.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(async () => void child.kill('SIGKILL'));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    await waitFor(() => output.includes('-> evdump: starting capture...'), { timeout: 30_000, message: 'celerity events to start' });
    // The capture line is printed once its queue is bound; a task sent now is heard.
    const result = await client.send('tasks.add', [5, 6]);
    expect(await result.get({ timeout: 10 })).toBe(11);
    await waitFor(() => output.split('\n').some((line) => line.includes('task succeeded') && line.includes(result.id)), { timeout: 10_000, message: 'a task succeeded line for the task' });
  });

  it('sets a malformed message aside in its durable dead-letter queue', async () => {
    const connection = await amqp.connect(node.url);
    cleanups.push(() => connection.close());
    const channel = await connection.createChannel();
    channel.sendToQueue('celery', Buffer.from('not a celery message'));
    await waitFor(async () => (await channel.checkQueue('celerity.dead.celery')).messageCount === 1, { message: 'the malformed message in celerity.dead.celery' });
  });

  it('honours a revoke read from the celerity.revoked stream by a worker started after it', async () => {
    const late = `r4.late-${randomSuffix()}`;
    await client.broker.declareQueue(late);
    const id = crypto.randomUUID();
    await client.revoke(id);
    const result = await client.send('tasks.mark', [], { queue: late, taskId: id });
    const lateBroker = createAmqpBroker({ url: node.url });
    const lateBackend = createRpcBackend({ url: node.url });
    const second = createWorker({ broker: lateBroker, backend: lateBackend, tasks: [add, mark], queues: [late], hostname: `r4-late-${randomSuffix()}@test` });
    cleanups.push(async () => {
      await second.stop({ force: true });
      await lateBroker.close();
      await lateBackend.close();
    });
    await second.start();
    await expect(result.get({ timeout: 10 })).rejects.toMatchObject({ state: 'REVOKED' });
    expect(ran.has(id)).toBe(false);
  });

  it("a worker's prefetch is per queue consumed: with prefetch 2 on two queues it holds 2 of each", async () => {
    const [qa, qb] = [`r4.pa-${randomSuffix()}`, `r4.pb-${randomSuffix()}`];
    const paBroker = createAmqpBroker({ url: node.url });
    const paBackend = createRpcBackend({ url: node.url });
    const third = createWorker({ broker: paBroker, backend: paBackend, tasks: [block], queues: [qa, qb], prefetch: 2, concurrency: 1, hostname: `r4-pa-${randomSuffix()}@test` });
    cleanups.push(async () => {
      await third.stop({ force: true });
      await paBroker.close();
      await paBackend.close();
    });
    await third.start();
    const results = [];
    for (let n = 0; n < 5; n++) results.push(await client.send('tasks.block', [n], { queue: qa }), await client.send('tasks.block', [n], { queue: qb }));
    // The running task's message is acked as it starts (Celery's default); each queue's consumer
    // holds 2 more unacked, so RabbitMQ still has 10 - 1 - 2 × 2 = 5: 2 in the running task's queue, 3 in the other.
    const sizes = async (): Promise<number[]> => [await client.broker.size(qa), await client.broker.size(qb)].sort();
    await waitFor(async () => (await sizes()).join() === '2,3', { message: '2 and 3 messages left in the queues' });
    openGate();
    expect((await Promise.all(results.map((r) => r.get({ timeout: 10 })))).sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('used no deprecated feature: the node logged none', async () => {
    expect(await deprecatedUses()).toEqual([]);
  });

  it('denies what 4.3 denies: a transient non-exclusive queue is refused, global QoS is logged', async () => {
    const refused = await amqp.connect(node.url);
    let closedWith: Error | undefined;
    refused.on('error', (error: Error) => void (closedWith = error));
    expect(String(refused.connection.serverProperties['version'])).toMatch(/^4\./);
    const channel = await refused.createChannel();
    channel.on('error', () => undefined);
    await expect(channel.assertQueue(`r4.transient-${randomSuffix()}`, { durable: false, exclusive: false })).rejects.toThrow();
    // RabbitMQ closes the whole connection (541 INTERNAL_ERROR) naming the feature.
    await waitFor(() => closedWith !== undefined, { message: 'the connection closed by RabbitMQ' });
    expect(closedWith?.message).toMatch(/541.*transient_nonexcl_queues/s);

    // A task queue declared `durable: false` is refused the same way: a ConfigurationError naming
    // the feature, not retried (each retry would close the connection again); the broker goes on.
    const broker = createAmqpBroker({ url: node.url });
    cleanups.push(() => broker.close());
    const error = await broker.declareQueue(`r4.transient-task-${randomSuffix()}`, { durable: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/deprecated feature `transient_nonexcl_queues`; declare the queue durable/);
    const durable = `r4.durable-${randomSuffix()}`;
    await broker.declareQueue(durable);
    expect(await broker.size(durable)).toBe(0);

    const logged = await amqp.connect(node.url);
    cleanups.push(() => logged.close());
    await (await logged.createChannel()).prefetch(5, true);
    // Both denials are in the log, and nothing else: what Celerity did before is there by now too.
    // (RabbitMQ 4.0 logged the second refused transient queue, the broker's, not again.)
    await waitFor(async () => (await deprecatedUses()).length === 2, { message: 'both in the node log' });
    expect((await deprecatedUses()).sort()).toEqual(['global_qos', 'transient_nonexcl_queues']);
  });
});
