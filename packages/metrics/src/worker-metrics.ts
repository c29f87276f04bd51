/**
 * A worker's Prometheus metrics, named as celery-exporter names them (so its Grafana dashboards
 * work), plus Celerity's own. Task counters are fed by the worker's task observer as things happen;
 * gauges are read from the worker when Prometheus scrapes, queue lengths included.
 */
import type { Hooks, TaskMessage } from '@celerity/core';
import type { TaskObserver, Worker } from '@celerity/worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus Python client's default buckets, which celery-exporter's `celery_task_runtime` uses. */
export const CELERY_RUNTIME_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Options of {@link createWorkerMetrics}. */
export interface WorkerMetricsOptions {
  /** Where the metrics are registered. @default a new `Registry` of prom-client */
  registry?: Registry;
  /** Buckets of `celery_task_runtime`, seconds. @default {@link CELERY_RUNTIME_BUCKETS} */
  runtimeBuckets?: readonly number[];
  /** How long a scrape waits for the broker's queue lengths before leaving them out, ms. @default 1000 */
  queueLengthTimeout?: number;
  /** Also register prom-client's Node.js process metrics (`process_cpu_seconds_total`…). @default false */
  processMetrics?: boolean;
}

/** The metrics of one worker (see {@link createWorkerMetrics}). */
export interface WorkerMetrics {
  /** The prom-client registry holding them: `await registry.metrics()` is the text Prometheus reads. */
  readonly registry: Registry;
  /** Pass it to `createWorker({ observers: [metrics.observer] })` so task counters move. */
  readonly observer: TaskObserver;
  /** Reads the worker's gauges (up, active tasks, held ETA tasks, prefetch, lag, queue lengths) at each scrape. */
  track(worker: Worker): void;
  /** Counts a task sent from this process (`celery_task_sent_total`). */
  taskSent(name: string, queue: string): void;
  /**
   * Client hooks counting each task the client publishes in `celery_task_sent_total`.
   * @example createClient({ broker, hooks: metrics.publishHooks })
   */
  readonly publishHooks: Pick<Hooks, 'afterTaskPublish'>;
}

/** celery-exporter's `hostname` label: the host part of a node name (`celery@web-1` → `web-1`). */
export function hostnameLabel(nodename: string): string {
  const at = nodename.indexOf('@');
  return at === -1 ? nodename : nodename.slice(at + 1);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * @example
 * const metrics = createWorkerMetrics();
 * const worker = createWorker({ broker, tasks, observers: [metrics.observer] });
 * metrics.track(worker);
 * http.createServer(createMetricsHandler(metrics)).listen(9808);
 */
export function createWorkerMetrics(options: WorkerMetricsOptions = {}): WorkerMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const queueLengthTimeout = options.queueLengthTimeout ?? 1000;
  let worker: Worker | undefined;
  let hostname = '';
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });

  const taskLabels = ['name', 'hostname', 'queue_name'] as const;
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: taskLabels, registers });
  const sent = counter('celery_task_sent_total', 'Sent when a task message is published.');
  const received = counter('celery_task_received_total', 'Sent when the worker receives a task.');
  const started = counter('celery_task_started_total', 'Sent just before the worker executes the task.');
  const succeeded = counter('celery_task_succeeded_total', 'Sent if the task executed successfully.');
  const failed = new Counter({ name: 'celery_task_failed_total', help: 'Sent if the execution of the task failed.', labelNames: ['name', 'hostname', 'exception', 'queue_name'], registers });
  const retried = counter('celery_task_retried_total', 'Sent if the task failed, but will be retried in the future.');
  const revoked = counter('celery_task_revoked_total', 'Sent if the task has been revoked.');
  const rejected = counter('celery_task_rejected_total', 'The task was rejected by the worker, possibly to be re-queued or moved to a dead letter queue.');
  const runtime = new Histogram({ name: 'celery_task_runtime', help: 'Histogram of task runtime measurements.', labelNames: taskLabels, buckets: [...(options.runtimeBuckets ?? CELERY_RUNTIME_BUCKETS)], registers });

  new Gauge({
    name: 'celery_worker_up',
    help: 'Indicates if a worker has recently sent a heartbeat.',
    labelNames: ['hostname'],
    registers,
    collect() {
      this.reset();
      if (worker) this.set({ hostname }, 1);
    },
  });
  new Gauge({
    name: 'celery_worker_tasks_active',
    help: 'The number of tasks the worker is currently processing',
    labelNames: ['hostname'],
    registers,
    collect() {
      this.reset();
      if (worker) this.set({ hostname }, worker.stats.active);
    },
  });
  new Gauge({
    name: 'celery_queue_length',
    help: 'The number of message in broker queue.',
    labelNames: ['queue_name'],
    registers,
    // At scrape time, each queue the worker consumes; a broker slower than the timeout leaves the
    // gauge out of this scrape rather than holding Prometheus up.
    async collect() {
      this.reset();
      const current = worker;
      if (!current) return;
      const sizes = await Promise.all(current.queues.map((queue) => withTimeout(current.broker.size(queue).catch(() => undefined), queueLengthTimeout)));
      current.queues.forEach((queue, i) => {
        const size = sizes[i];
        if (size !== undefined) this.set({ queue_name: queue }, size);
      });
    },
  });
  new Gauge({
    name: 'celerity_worker_eta_tasks_held',
    help: 'ETA and countdown tasks the worker holds until they are due.',
    labelNames: ['hostname'],
    registers,
    collect() {
      this.reset();
      if (worker) this.set({ hostname }, worker.stats.scheduled);
    },
  });
  new Gauge({
    name: 'celerity_worker_prefetch_in_use',
    help: 'Messages the worker holds from the broker: running, waiting for a slot or a rate limit, and ETA tasks held.',
    labelNames: ['hostname'],
    registers,
    collect() {
      this.reset();
      if (worker) this.set({ hostname }, worker.stats.active + worker.stats.waiting + worker.stats.scheduled);
    },
  });
  new Gauge({
    name: 'celerity_worker_event_loop_lag_seconds',
    help: "The largest delay of the worker's event loop in the last second.",
    labelNames: ['hostname'],
    registers,
    collect() {
      this.reset();
      if (worker) this.set({ hostname }, worker.eventLoopLag.maxMs / 1000);
    },
  });
  new Gauge({
    name: 'celerity_broker_reconnects',
    help: 'Times the broker connection was established again after it was lost, since the worker started.',
    labelNames: ['hostname'],
    registers,
    collect() {
      this.reset();
      const count = worker?.broker.reconnects;
      if (worker && count !== undefined) this.set({ hostname }, count);
    },
  });

  const labels = (message: TaskMessage, queue: string) => ({ name: message.task, hostname, queue_name: queue });
  const observer: TaskObserver = {
    received: (message, queue) => received.inc(labels(message, queue)),
    started: (message, queue) => started.inc(labels(message, queue)),
    succeeded: (message, queue, seconds) => {
      const l = labels(message, queue);
      succeeded.inc(l);
      runtime.observe(l, seconds);
    },
    failed: (message, queue, _seconds, exception) => failed.inc({ name: message.task, hostname, exception, queue_name: queue }),
    retried: (message, queue) => retried.inc(labels(message, queue)),
    revoked: (message, queue) => revoked.inc(labels(message, queue)),
    rejected: (message, queue) => rejected.inc({ name: message?.task ?? '', hostname, queue_name: queue }),
  };

  const taskSent = (name: string, queue: string): void => void sent.inc({ name, hostname: hostname || 'generic', queue_name: queue });
  return {
    registry,
    observer,
    publishHooks: { afterTaskPublish: (event) => taskSent(event.task, event.queue) },
    track(tracked) {
      worker = tracked;
      hostname = hostnameLabel(tracked.hostname);
    },
    taskSent,
  };
}
