/**
 * A Celerity worker and client on `sentinel://` URLs (broker and result backend, Celery's
 * `master_name` transport option) over a topology this file starts: tasks round-trip, the primary is
 * SIGKILLed with tasks in flight, Sentinel promotes a replica, and both go on without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTask } from '@celerity/core';
import { backendAdapter } from '@celerity/backend-redis';
import { brokerAdapter } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import type { Client } from '@celerity/client';
import { startSentinelTopology, type SentinelTopology } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import type { Worker } from '@celerity/worker';

export const add = defineTask({ name: 'sentinel.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);

let topology: SentinelTopology;
let worker: Worker | undefined;
let client: Client | undefined;

beforeAll(async () => {
  topology = await startSentinelTopology();
}, 60_000);

afterAll(async () => {
  await client?.close();
  await worker?.stop();
  await topology?.stop();
}, 60_000);

describe('worker and client on sentinel:// URLs', () => {
  it('round-trip tasks, then keep working after the primary is SIGKILLed and a replica promoted', async () => {
    const url = topology.url.replace(';', '/1;');
    const adapters = [brokerAdapter, backendAdapter];
    const options = { master_name: topology.masterName };
    const queue = `sentinel-${crypto.randomUUID()}`;
    worker = createWorker({ broker: url, backend: url, adapters, tasks: { add }, queues: [queue], brokerOptions: { ...options, polling_interval: 0.2 }, backendOptions: options });
    await worker.start();
    client = createClient({ broker: url, backend: url, adapters, brokerOptions: options, backendOptions: options });
    const send = (n: number): Promise<number> => client!.send<[number, number], number>('sentinel.add', [n, 1], { queue }).then((r) => r.get({ timeout: 60 }));

    expect(await send(1)).toBe(2);
    // Tasks in flight while the primary dies: their results may be lost with it (asynchronous
    // replication) or not; what must hold is that everything sent after the promotion completes.
    const inFlight = Array.from({ length: 5 }, (_, i) => send(10 + i).catch(() => undefined));
    const old = await topology.primaryPort();
    await topology.nodes.find((n) => n.port === old)!.kill();
    await topology.waitForPrimary({ notPort: old, timeout: 45_000 });
    expect(await send(2)).toBe(3);
    expect(await Promise.all([send(3), send(4), send(5)])).toEqual([4, 5, 6]);
    await Promise.allSettled(inFlight);
  }, 150_000);
});
