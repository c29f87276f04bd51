// The worker's metrics as Prometheus reads them: celery-exporter's names and labels, counters moved
// by the task observer, gauges read from the worker at scrape time, and the HTTP handler.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskContext } from '@celerity/core';
import { createMemoryBackend, createMemoryBroker, defineTask } from '@celerity/core';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { createMetricsHandler, createWorkerMetrics, hostnameLabel, startMetricsServer } from '../src/index.js';

const attempts = new Map<string, number>();
const add = defineTask({ name: 'm.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const fail = defineTask({ name: 'm.fail', params: [] }, () => {
  throw new TypeError('no');
});
const flaky = defineTask({ name: 'm.flaky', params: ['key'], maxRetries: 3 }, (key: string, ctx: TaskContext) => {
  const n = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, n);
  if (n === 1) ctx.retry({ countdown: 0.01 });
  return n;
});

/** The value of one sample line of the text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && line.split(' ')[0] !== name) continue;
    const labelPart = line.slice(name.length).split(' ')[0] ?? '';
    if (wanted.every((w) => labelPart.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

let worker: Worker | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

// Memory brokers share one hub: each test has its own queue.
function setup() {
  const queue = `q-${crypto.randomUUID()}`;
  const broker = createMemoryBroker();
  const backend = createMemoryBackend();
  const metrics = createWorkerMetrics();
  worker = createWorker({ broker, backend, tasks: [add, fail, flaky], hostname: 'w1@box-7', queues: [queue], observers: [metrics.observer] });
  metrics.track(worker);
  const client = createClient({ broker, backend, defaultQueue: queue });
  return { broker, metrics, worker, client, queue };
}

describe('createWorkerMetrics', () => {
  it('labels the host part of a node name, as celery-exporter does', () => {
    expect(hostnameLabel('celery@web-1')).toBe('web-1');
    expect(hostnameLabel('gen123@web-1')).toBe('web-1');
    expect(hostnameLabel('plain')).toBe('plain');
  });

  it('counts received, started, succeeded, failed (by exception), retried, revoked and rejected tasks, and their runtime', async () => {
    const { metrics, worker, client, queue } = setup();
    await worker.start();
    const key = crypto.randomUUID();
    await expect((await client.task('m.add').delay(2, 3)).get({ timeout: 5 })).resolves.toBe(5);
    await expect((await client.task('m.fail').delay()).get({ timeout: 5 })).rejects.toThrow();
    await expect((await client.task('m.flaky').delay(key)).get({ timeout: 5 })).resolves.toBe(2);
    // Held until its ETA, expired by then: revoked.
    await client.task('m.add').applyAsync([1, 1], { countdown: 0.2, expires: 0.1 });
    await client.task('m.unknown').delay();
    const labels = { name: 'm.add', hostname: 'box-7', queue_name: queue };
    await expect.poll(async () => sample(await metrics.registry.metrics(), 'celery_task_revoked_total', labels)).toBe(1);
    await worker.idle();
    const text = await metrics.registry.metrics();
    expect(sample(text, 'celery_task_received_total', labels)).toBe(2);
    expect(sample(text, 'celery_task_started_total', labels)).toBe(1);
    expect(sample(text, 'celery_task_succeeded_total', labels)).toBe(1);
    expect(sample(text, 'celery_task_runtime_count', labels)).toBe(1);
    expect(sample(text, 'celery_task_runtime_bucket', { ...labels, le: '+Inf' })).toBe(1);
    expect(sample(text, 'celery_task_runtime_bucket', { ...labels, le: '0.075' })).toBeDefined();
    expect(sample(text, 'celery_task_failed_total', { name: 'm.fail', hostname: 'box-7', exception: 'TypeError', queue_name: queue })).toBe(1);
    expect(sample(text, 'celery_task_retried_total', { name: 'm.flaky', hostname: 'box-7', queue_name: queue })).toBe(1);
    expect(sample(text, 'celery_task_succeeded_total', { name: 'm.flaky', hostname: 'box-7', queue_name: queue })).toBe(1);
    expect(sample(text, 'celery_task_started_total', { name: 'm.flaky', hostname: 'box-7', queue_name: queue })).toBe(2);
    expect(sample(text, 'celery_task_rejected_total', { name: 'm.unknown', hostname: 'box-7', queue_name: queue })).toBe(1);
    expect(text).toContain('# TYPE celery_task_runtime histogram');
  });

  it('reads the gauges at scrape time: worker up, active tasks, held ETA tasks, prefetch in use, queue length, event-loop lag', async () => {
    const { broker, metrics, worker, client, queue } = setup();
    const before = await metrics.registry.metrics();
    expect(sample(before, 'celery_worker_up', { hostname: 'box-7' })).toBe(1);
    // Not consuming yet: three messages wait in the queue.
    await broker.declareQueue(queue);
    for (let i = 0; i < 3; i++) await client.task('m.add').delay(i, i);
    let text = await metrics.registry.metrics();
    expect(sample(text, 'celery_queue_length', { queue_name: queue })).toBe(3);
    expect(sample(text, 'celery_worker_tasks_active', { hostname: 'box-7' })).toBe(0);
    await worker.start();
    await client.task('m.add').applyAsync([1, 2], { countdown: 60 });
    await expect.poll(async () => sample(await metrics.registry.metrics(), 'celerity_worker_eta_tasks_held', { hostname: 'box-7' })).toBe(1);
    // The three earlier ones ran; the ETA task is the one message held.
    await expect.poll(async () => sample(await metrics.registry.metrics(), 'celerity_worker_prefetch_in_use', { hostname: 'box-7' })).toBe(1);
    text = await metrics.registry.metrics();
    expect(sample(text, 'celery_queue_length', { queue_name: queue })).toBe(0);
    expect(sample(text, 'celerity_worker_event_loop_lag_seconds', { hostname: 'box-7' })).toBeGreaterThanOrEqual(0);
    // The memory broker has no connection to lose: no reconnect count, no sample.
    expect(sample(text, 'celerity_broker_reconnects', { hostname: 'box-7' })).toBeUndefined();
  });

  it('reports a broker reconnect count when the broker has one', async () => {
    const metrics = createWorkerMetrics();
    const broker = Object.assign(createMemoryBroker(), { reconnects: 2 });
    metrics.track(createWorker({ broker, tasks: [add], hostname: 'w@h' }));
    expect(sample(await metrics.registry.metrics(), 'celerity_broker_reconnects', { hostname: 'h' })).toBe(2);
  });

  it('leaves out the queue length when the broker does not answer within the timeout', async () => {
    const metrics = createWorkerMetrics({ queueLengthTimeout: 20 });
    const broker = Object.assign(createMemoryBroker(), { size: () => new Promise<number>(() => {}) });
    metrics.track(createWorker({ broker, tasks: [add], hostname: 'w@h', queues: ['slow'] }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE celery_queue_length gauge');
    expect(sample(text, 'celery_queue_length', { queue_name: 'slow' })).toBeUndefined();
  });

  it('counts tasks sent from this process, by hand or through a client hook', async () => {
    const metrics = createWorkerMetrics();
    metrics.taskSent('m.add', 'celery');
    const queue = `q-${crypto.randomUUID()}`;
    await using client = createClient({ broker: createMemoryBroker(), defaultQueue: queue, hooks: metrics.publishHooks });
    await client.task('m.add').delay(1, 2);
    await client.task('m.add').delay(3, 4);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'celery_task_sent_total', { name: 'm.add', queue_name: 'celery' })).toBe(1);
    expect(sample(text, 'celery_task_sent_total', { name: 'm.add', hostname: 'generic', queue_name: queue })).toBe(2);
  });
});

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('serving the metrics', () => {
  it('serves /metrics in the text format, 404 elsewhere, and mounts in an existing server', async () => {
    const metrics = createWorkerMetrics();
    metrics.taskSent('m.add', 'celery');
    await using server = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1' });
    const ok = await get(server.port, '/metrics');
    expect(ok.status).toBe(200);
    expect(ok.type).toContain('text/plain');
    expect(ok.body).toContain('celery_task_sent_total{name="m.add"');
    expect((await get(server.port, '/nope')).status).toBe(404);

    const handler = createMetricsHandler(metrics);
    const { createServer } = await import('node:http');
    const app = createServer((req, res) => (req.url === '/internal/metrics' ? handler(req, res) : res.writeHead(200).end('app')));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    try {
      const port = (app.address() as { port: number }).port;
      expect((await get(port, '/internal/metrics')).body).toContain('celery_task_sent_total');
      expect((await get(port, '/')).body).toBe('app');
    } finally {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
    }
  });
});
