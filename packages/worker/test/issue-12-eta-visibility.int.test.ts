/**
 * Issue 12: ETA tasks (and long runs with late acks) ran several times on Redis with a short
 * visibility timeout, because the restore pass handed out again what a live worker held. A live worker keeps what it holds; a dead
 * one's messages still come back after the visibility timeout, and run once elsewhere.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Broker, TaskContext } from '@celerity/core';
import { createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import { createRedisBroker } from '@celerity/broker-redis';
import { createRedisBackend } from '@celerity/backend-redis';
import { deleteKeys, randomSuffix, startRedisServer, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';

const json = createJsonSerializer();
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** Runs of `test.add` in this process, by task id (the name the fixture's child worker knows too). */
const runs = new Map<string, number>();
const add = defineTask({ name: 'test.add', params: ['x', 'y'] }, (x: number, y: number, ctx: TaskContext) => {
  runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
  return x + y;
});

async function sendEta(broker: Broker, inMs: number): Promise<string> {
  const id = crypto.randomUUID();
  await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'test.add', id, args: [2, 3], eta: new Date(Date.now() + inMs) }, { serializer: json }));
  return id;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ETA tasks and the visibility timeout on Redis (issue 12)', () => {
  it('runs a task with a 4 s countdown exactly once with two workers and a 1 s visibility timeout', async () => {
    const url = 'redis://127.0.0.1:6379/0';
    const keyPrefix = `celerity-test-${randomSuffix()}:`;
    const raw = new Redis(url);
    const backend = createRedisBackend({ url, keyPrefix });
    cleanups.push(async () => {
      await deleteKeys(raw, `${keyPrefix}*`);
      await raw.quit();
    });
    cleanups.push(() => backend.close());
    const brokers = [0, 1].map(() => createRedisBroker({ url, keyPrefix, visibilityTimeout: 1, restoreInterval: 0.25, pollInterval: 0.2 }));
    const workers = brokers.map((broker) => createWorker({ broker, backend, tasks: [add], concurrency: 2 }));
    for (const broker of brokers) cleanups.push(() => broker.close());
    for (const worker of workers) {
      await worker.start();
      cleanups.push(() => worker.stop());
    }

    const id = await sendEta(brokers[0]!, 4_000);
    const meta = await backend.wait(id, { timeout: 20 });
    expect(meta.status).toBe('SUCCESS');
    // Long enough for a second copy, restored while the first was held, to come due and run.
    await sleep(2_000);
    expect(runs.get(id)).toBe(1);
    expect(await raw.hlen(`${keyPrefix}unacked`)).toBe(0);
    expect(await raw.zcard(`${keyPrefix}unacked_index`)).toBe(0);
    expect(await brokers[0]!.size('celery')).toBe(0);
  }, 40_000);

  it('runs a 3 s task with late acks exactly once with two workers and a 1 s visibility timeout', async () => {
    const url = 'redis://127.0.0.1:6379/0';
    const keyPrefix = `celerity-test-${randomSuffix()}:`;
    const raw = new Redis(url);
    const backend = createRedisBackend({ url, keyPrefix });
    cleanups.push(async () => {
      await deleteKeys(raw, `${keyPrefix}*`);
      await raw.quit();
    });
    cleanups.push(() => backend.close());
    const slow = defineTask({ name: 'test.slow', params: [] }, async (ctx: TaskContext) => {
      runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
      await sleep(3_000);
      return 'done';
    });
    const brokers = [0, 1].map(() => createRedisBroker({ url, keyPrefix, visibilityTimeout: 1, restoreInterval: 0.25, pollInterval: 0.2 }));
    const workers = brokers.map((broker) => createWorker({ broker, backend, tasks: [slow], concurrency: 2, acksLate: true }));
    for (const broker of brokers) cleanups.push(() => broker.close());
    for (const worker of workers) {
      await worker.start();
      cleanups.push(() => worker.stop());
    }

    const id = crypto.randomUUID();
    await brokers[0]!.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'test.slow', id, args: [] }, { serializer: json }));
    expect((await backend.wait(id, { timeout: 20 })).result).toBe('done');
    await sleep(1_000);
    expect(runs.get(id)).toBe(1);
    await waitFor(async () => (await raw.hlen(`${keyPrefix}unacked`)) === 0, { timeout: 5_000 });
    expect(await brokers[0]!.size('celery')).toBe(0);
  }, 40_000);

  it('restores the ETA task of a worker killed with SIGKILL after the visibility timeout, and runs it once elsewhere', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const raw = new Redis(server.url);
    cleanups.push(() => raw.quit());
    const producer = createRedisBroker({ url: server.url });
    const backend = createRedisBackend({ url: server.url });
    cleanups.push(() => producer.close(), () => backend.close());

    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', taskModule, '-b', server.url, '--result-backend', server.url, '-c', '1', '--visibility-timeout', '1', '-l', 'info'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(async () => child.kill('SIGKILL'));
    await waitFor(() => /ready\./.test(output), { timeout: 30_000 });

    const id = await sendEta(producer, 6_000);
    await waitFor(async () => (await raw.hlen('unacked')) === 1 && (await producer.size('celery')) === 0, { timeout: 10_000 });
    const [heldTag] = await raw.hkeys('unacked');

    // A rescuer restoring every 250 ms with the same 1 s timeout: the live child keeps its message.
    const rescuerBroker = createRedisBroker({ url: server.url, visibilityTimeout: 1, restoreInterval: 0.25, pollInterval: 0.2 });
    const rescuer = createWorker({ broker: rescuerBroker, backend, tasks: [add], concurrency: 2 });
    cleanups.push(() => rescuerBroker.close());
    await rescuer.start();
    cleanups.push(() => rescuer.stop());
    await sleep(2_500);
    expect(rescuer.stats.scheduled).toBe(0);
    expect(await raw.hkeys('unacked')).toEqual([heldTag]);

    // Death: nothing refreshes the score any more, so the rescuer restores the message and runs it when due.
    child.kill('SIGKILL');
    await exited;
    const meta = await backend.wait(id, { timeout: 20 });
    expect(meta.status).toBe('SUCCESS');
    expect(meta.result).toBe(5);
    expect(runs.get(id)).toBe(1);
    await waitFor(async () => (await raw.hlen('unacked')) === 0, { timeout: 5_000 });
    expect(await producer.size('celery')).toBe(0);
  }, 60_000);
});
