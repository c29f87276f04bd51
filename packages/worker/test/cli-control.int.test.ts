// `celerity status`, `inspect` and `control` against a running Celerity worker (started as
// `celerity -A <module> worker`, Celery's order), and `celerity purge`, on Redis and on RabbitMQ:
// Celery's output, --json, destinations, the no-reply error, the purge prompt and its counts.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerFromUrl, createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import type { Broker } from '@celerity/core';
import { brokerAdapter as amqpAdapter } from '@celerity/broker-amqp';
import { brokerAdapter as redisAdapter } from '@celerity/broker-redis';
import { waitFor } from '@celerity/testing';
import { celerity, spawnCelerity } from './cli-process.js';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';

const taskModule = fileURLToPath(new URL('./fixtures/cli-tasks.ts', import.meta.url));
const servers = useRedisAndRabbit();
const json = createJsonSerializer();
const redisDb = 1 + Math.floor(Math.random() * 15);

describe.each([
  ['redis', () => `${REDIS_URL}/${redisDb}`],
  ['amqp', () => servers.vhostUrl],
])('on %s', (transport, brokerUrl) => {
  const node = `cli-${transport}-${crypto.randomUUID().slice(0, 8)}@test`;
  const queue = `cli-control-${crypto.randomUUID()}`;
  let worker: ReturnType<typeof spawnCelerity>;
  let broker: Broker;

  beforeAll(async () => {
    worker = spawnCelerity(['-A', taskModule, 'worker', '-b', brokerUrl(), '-Q', queue, '-n', node]);
    await waitFor(() => worker.output().includes('ready.'), { timeout: 30_000 });
    broker = createBrokerFromUrl(brokerUrl(), { adapters: [redisAdapter, amqpAdapter] });
  }, 60_000);
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await broker?.purge(queue).catch(() => 0);
    await broker?.close();
  });

  it('status: the node and "1 node online."', async () => {
    const out = await celerity(['status', '-b', brokerUrl(), '-d', node]);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe(`->  ${node}: OK\n\n1 node online.\n`);
  }, 30_000);

  it('inspect ping: the reply indented, as Celery; --json merges the replies', async () => {
    const out = await celerity(['inspect', 'ping', '-b', brokerUrl(), '--destination', node, '--timeout', '1.5']);
    expect(out).toMatchObject({ code: 0, stdout: `->  ${node}: OK\n        pong\n\n1 node online.\n` });
    const asJson = await celerity(['inspect', 'ping', '-b', brokerUrl(), '-d', node, '-j']);
    expect(JSON.parse(asJson.stdout)).toEqual({ [node]: { ok: 'pong' } });
  }, 30_000);

  it('control revoke: the reply of each node; --json lists them as Celery does', async () => {
    const id = crypto.randomUUID();
    const out = await celerity(['control', 'revoke', id, '-b', brokerUrl(), '-d', node, '--json']);
    expect(out.code).toBe(0);
    const replies = JSON.parse(out.stdout) as Array<Record<string, { ok?: string }>>;
    expect(replies).toHaveLength(1);
    expect(replies[0]![node]!.ok).toContain(id);
  }, 30_000);

  it('a destination nobody has: Celery\'s error, exit 69', async () => {
    const out = await celerity(['inspect', 'ping', '-b', brokerUrl(), '-d', 'nobody@nowhere', '-t', '0.5']);
    expect(out).toMatchObject({ code: 69, stdout: '', stderr: 'celerity: Error: No nodes replied within time constraint\n' });
  }, 30_000);

  it('purge asks first: "n" or no answer keeps the messages, -f purges and counts per queue', async () => {
    const other = `${queue}-other`;
    for (const q of [queue, other]) await broker.declareQueue(q);
    // Messages for a task no worker runs here would still be taken by the worker on `queue`: purge `other` only while it has them.
    await broker.publishMany(Array.from({ length: 3 }, () => ({ target: { queue: other }, envelope: encodeTaskMessage({ task: 'cli.report', id: crypto.randomUUID(), args: [] }, { serializer: json }) })));

    const declined = await celerity(['purge', '-Q', other, '-b', brokerUrl()], { input: 'n\n' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(/queue\s+messages\n.*\s3\n/s);
    expect(declined.stderr).toContain(`WARNING: This will remove all tasks from 1 queue on`);
    expect(declined.stderr).toContain('Are you sure you want to delete all tasks? [y/N]: ');
    expect(declined.stderr).toMatch(/celerity: Aborted!\n$/);
    const noAnswer = await celerity(['purge', '-Q', other, '-b', brokerUrl()]);
    expect(noAnswer.code).toBe(1);
    expect(await broker.size(other)).toBe(3);

    const yes = await celerity(['purge', '-Q', other, '-b', brokerUrl()], { input: 'y\n' });
    expect(yes.code).toBe(0);
    expect(yes.stdout).toBe(`queue${' '.repeat(other.length - 3)}purged\n${other}  3\nPurged 3 messages from 1 known task queue.\n`);

    await broker.publishMany(Array.from({ length: 2 }, () => ({ target: { queue: other }, envelope: encodeTaskMessage({ task: 'cli.report', id: crypto.randomUUID(), args: [] }, { serializer: json }) })));
    const forced = await celerity(['purge', '-f', '-Q', `${other},${queue}-never-made`, '-b', brokerUrl(), '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({ queues: { [other]: 2, [`${queue}-never-made`]: 0 }, total: 2 });
    const empty = await celerity(['purge', '-f', '-Q', other, '-b', brokerUrl()]);
    expect(empty.stdout).toContain('No messages purged from 1 queue.\n');
  }, 60_000);
});

describe('purge: -A adds the queues the module\'s tasks name', () => {
  it('purges the default queue and cli-reports', async () => {
    const out = await celerity(['-A', taskModule, 'purge', '-f', '-b', servers.vhostUrl, '--json']);
    expect(out.code).toBe(0);
    expect(Object.keys((JSON.parse(out.stdout) as { queues: object }).queues)).toEqual(['celery', 'cli-reports']);
  }, 30_000);
});

describe('report', () => {
  it('versions, settings with the password hidden, the module\'s tasks', async () => {
    const out = await celerity(['-A', taskModule, 'report', '-b', 'amqp://guest:hunter2@127.0.0.1:5672//']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^software -> node:v\d+\.\d+\.\d+ @?core:0\.1\.0 worker:0\.1\.0/);
    expect(out.stdout).toContain('settings -> transport:amqp://guest:**@127.0.0.1:5672// results:disabled://');
    expect(out.stdout).toContain('tasks    -> cli.positive, cli.report');
    expect(out.stdout).not.toContain('hunter2');
    const asJson = JSON.parse((await celerity(['report', '--json'])).stdout) as { software: Record<string, string> };
    expect(asJson.software['@celerity/worker']).toBe('0.1.0');
  }, 30_000);
});
