// `celerity worker` sends Celery's worker events (online, heartbeat every 2 s, offline) without -E,
// as Celery's worker does, and none with --without-heartbeat; task events only with -E.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerFromUrl, createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import type { Broker } from '@celerity/core';
import { EVENT_EXCHANGE, decodeEvents } from '@celerity/core/internal';
import type { CeleryEvent } from '@celerity/core/internal';
import { brokerAdapter as redisAdapter } from '@celerity/broker-redis';
import { waitFor } from '@celerity/testing';
import { spawnCelerity } from './cli-process.js';
import { REDIS_URL } from './redis-and-rabbit.js';

const taskModule = fileURLToPath(new URL('./fixtures/cli-tasks.ts', import.meta.url));
const brokerUrl = `${REDIS_URL}/${1 + Math.floor(Math.random() * 15)}`;
const json = createJsonSerializer();
let broker: Broker;
const heard: CeleryEvent[] = [];
const workers: Array<ReturnType<typeof spawnCelerity>> = [];
const of = (hostname: string): string[] => heard.filter((e) => e.hostname === hostname).map((e) => e.type);

beforeAll(async () => {
  broker = createBrokerFromUrl(brokerUrl, { adapters: [redisAdapter] });
  await broker.subscribe(EVENT_EXCHANGE, '#', (message) => heard.push(...decodeEvents(message.envelope)));
});
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await broker?.close();
});

async function startWorker(node: string, queue: string, flags: string[]): Promise<ReturnType<typeof spawnCelerity>> {
  const worker = spawnCelerity(['-A', taskModule, 'worker', '-b', brokerUrl, '-Q', queue, '-n', node, ...flags]);
  workers.push(worker);
  await waitFor(() => worker.output().includes('ready.'), { timeout: 30_000 });
  return worker;
}

async function stopWorker(worker: ReturnType<typeof spawnCelerity>): Promise<void> {
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGTERM');
  await exited;
}

describe('celerity worker events', () => {
  it('sends worker-online, heartbeats and worker-offline without -E, and no task events', { timeout: 60_000 }, async () => {
    const node = `hb-${crypto.randomUUID().slice(0, 8)}@test`;
    const queue = `worker-events-${crypto.randomUUID()}`;
    const worker = await startWorker(node, queue, []);
    await broker.publish({ queue }, encodeTaskMessage({ task: 'cli.positive', id: crypto.randomUUID(), args: [1] }, { serializer: json }));
    await waitFor(() => of(node).includes('worker-heartbeat'), { timeout: 10_000 });
    await stopWorker(worker);
    await waitFor(() => of(node).includes('worker-offline'), { timeout: 10_000 });
    expect(of(node)[0]).toBe('worker-online');
    expect(of(node).filter((type) => type.startsWith('task-'))).toEqual([]);
    expect(heard.find((e) => e.hostname === node && e.type === 'worker-offline')).toMatchObject({ processed: 1, sw_ident: 'celerity' });
  });

  it('sends no worker events with --without-heartbeat, and task events with -E', { timeout: 60_000 }, async () => {
    const node = `nohb-${crypto.randomUUID().slice(0, 8)}@test`;
    const queue = `worker-events-${crypto.randomUUID()}`;
    const worker = await startWorker(node, queue, ['--without-heartbeat', '-E']);
    await broker.publish({ queue }, encodeTaskMessage({ task: 'cli.positive', id: crypto.randomUUID(), args: [1] }, { serializer: json }));
    await waitFor(() => of(node).includes('task-succeeded'), { timeout: 10_000 });
    // A worker sends worker-online before it consumes and worker-offline before it exits.
    await stopWorker(worker);
    expect(of(node)).toEqual(['task-received', 'task-started', 'task-succeeded']);
  });
});
