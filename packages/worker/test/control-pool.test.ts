// pool_grow / pool_shrink / autoscale on a thread pool (memory transport): the slots and the children
// change, stats shows it; with autoscale, pool_grow is refused as Celery refuses it.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker } from '@celerity/core';
import { createMemoryBroker, silentLogger } from '@celerity/core';
import { createClient } from '@celerity/client';
import type { Client } from '@celerity/client';
import { waitFor } from '@celerity/testing';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import * as tasks from './fixtures/pool-tasks.js';

const tasksModule = fileURLToPath(new URL('./fixtures/pool-tasks.ts', import.meta.url));
let broker: Broker;
let client: Client;
let worker: Worker | undefined;
const opts = { timeout: 2, limit: 1 };

async function start(options: Partial<WorkerOptions>): Promise<Worker> {
  broker = createMemoryBroker({ name: `cp-${crypto.randomUUID()}` });
  client = createClient({ broker });
  worker = createWorker({ broker, tasks, tasksModule, pool: 'threads', hostname: 'pool@test', logger: silentLogger, ...options });
  await worker.start();
  return worker;
}

afterEach(async () => {
  await worker?.stop({ force: true });
  worker = undefined;
  await client.close();
});

describe('pool control on a thread pool', () => {
  it('pool_grow adds slots and children; pool_shrink takes them away', { timeout: 40_000 }, async () => {
    const w = await start({ concurrency: 1 });
    expect(await client.control.poolGrow(2, opts)).toEqual([{ 'pool@test': { ok: 'pool will grow' } }]);
    const stats = (await client.control.inspect(opts).stats())['pool@test']!;
    expect(stats.pool['max-concurrency']).toBe(3);
    // Three tasks at once now run on three children.
    const results = await Promise.all([0, 1, 2].map(() => client.send(tasks.spin, [20_000])));
    void results;
    await waitFor(() => w.pool.size === 3, { timeout: 10_000 });
    // `inspect active` names the child (thread id) running each task.
    const active = await waitFor(async () => {
      const entries = (await client.control.inspect(opts).active())['pool@test'] ?? [];
      return entries.length === 3 && entries.every((e) => e.worker_pid !== null) ? entries : undefined;
      // New thread children load the tasks module first, which takes seconds on a busy machine.
    }, { timeout: 18_000 });
    expect(new Set(active.map((e) => e.worker_pid))).toEqual(new Set(w.pool.childIds));
    expect(await client.control.poolShrink(2, opts)).toEqual([{ 'pool@test': { ok: 'pool will shrink' } }]);
    expect((await client.control.inspect(opts).stats())['pool@test']!.pool['max-concurrency']).toBe(1);
    // The busy children above the new size leave as their tasks end; the stop in afterEach kills them.
    expect(w.pool.size).toBe(3);
  });

  it('autoscale changes the range of an autoscaling worker; pool_grow is refused there', { timeout: 30_000 }, async () => {
    const w = await start({ autoscale: { max: 2, min: 1 } });
    expect(await client.control.autoscale(4, 2, opts)).toEqual([{ 'pool@test': { ok: 'autoscale now max=4 min=2' } }]);
    await waitFor(() => w.pool.size === 2, { timeout: 10_000 });
    expect((await client.control.inspect(opts).stats())['pool@test']!.pool['max-concurrency']).toBe(4);
    expect(await client.control.poolGrow(1, opts)).toEqual([{ 'pool@test': { error: 'pool_grow is not supported with autoscale. Adjust autoscale range instead.' } }]);
  });
});
