/**
 * Celery's task_routes end to end, the same on every broker (memory in config-hooks.test.ts, Redis
 * and RabbitMQ in routes.int.test.ts): the client routes what it sends, the worker routes the
 * follow-ups it sends, and the stored `queue` (result_extended) shows where each task ran.
 */
import { expect, it } from 'vitest';
import type { Broker, ResultBackend } from '@celerity/core';
import { chain, defineTask, signature } from '@celerity/core';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';

const resize = defineTask({ name: 'images.resize', params: ['w'] }, (w: number) => w * 2);
const notify = defineTask({ name: 'notify.done', params: ['v'] }, (v: number) => `notified ${v}`);
const plain = defineTask({ name: 'tasks.plain' }, () => 'plain');

export interface RoutesTransport {
  broker(): Broker;
  backend(): ResultBackend;
}

export function routesScenarios(transport: () => RoutesTransport): void {
  it('routes sends by glob and follow-ups by name; the rest goes to the default queue', async () => {
    const t = transport();
    const run = crypto.randomUUID().slice(0, 8);
    const queues = { images: `images-${run}`, notify: `notify-${run}`, jobs: `jobs-${run}` };
    const taskRoutes = [{ 'images.*': queues.images }, (name: string) => (name === 'notify.done' ? { queue: queues.notify } : null)];
    const backend = t.backend();
    const producer = t.broker();
    const brokers: Broker[] = [];
    const workers: Worker[] = [];
    const client = createClient({ broker: producer, backend, config: { taskRoutes, taskDefaultQueue: queues.jobs } });
    try {
      // One worker per queue, each with the same routes (the images worker sends notify.done on).
      for (const queue of Object.values(queues)) {
        const broker = t.broker();
        brokers.push(broker);
        const worker = createWorker({ broker, backend, tasks: [resize, notify, plain], queues: [queue], config: { taskRoutes, resultExtended: true } });
        workers.push(worker);
        await worker.start();
      }
      const sent = await client.send('images.resize', [21]);
      expect(await sent.get({ timeout: 10 })).toBe(42);
      expect((await backend.get(sent.id))?.queue).toBe(queues.images);

      const workflow = await client.apply(chain(signature('images.resize', [5]), signature('notify.done')));
      expect(await workflow.get({ timeout: 10 })).toBe('notified 10');
      expect((await backend.get(workflow.id))?.queue).toBe(queues.notify);

      const rest = await client.send('tasks.plain', []);
      expect(await rest.get({ timeout: 10 })).toBe('plain');
      expect((await backend.get(rest.id))?.queue).toBe(queues.jobs);
    } finally {
      for (const w of workers) await w.stop();
      for (const b of brokers) await b.close().catch(() => {});
      await client.close();
      await producer.close();
      await backend.close();
    }
  });
}
