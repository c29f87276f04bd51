/**
 * @celerity/metrics — Prometheus metrics of a Celerity worker, with the names celery-exporter uses.
 */
export { CELERY_RUNTIME_BUCKETS, createWorkerMetrics, hostnameLabel } from './worker-metrics.js';
export type { WorkerMetrics, WorkerMetricsOptions } from './worker-metrics.js';
export { createMetricsHandler, startMetricsServer } from './metrics-handler.js';
export type { MetricsServer, MetricsServerOptions, MetricsSource } from './metrics-handler.js';
