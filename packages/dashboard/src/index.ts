/**
 * @celerity/dashboard — a live web dashboard of Celery and Celerity workers, queues and tasks:
 * Celery's events into a bounded history in Redis (one instance writes at a time under a lease),
 * remote control and broker polls for what events do not say, a Server-Sent Events stream, and
 * actions (revoke, retry, purge, dead-letter replay, rate limits, pool size, shutdown).
 */
export { createDashboard } from './dashboard.js';
export type { Dashboard, DashboardOptions } from './dashboard.js';
export { startDashboard } from './server.js';
export type { DashboardServer, StartDashboardOptions } from './server.js';
export { parseBasicAuth } from './auth.js';
export type { DashboardAuth } from './auth.js';
export { DashboardStore, DEFAULT_RETENTION } from './store.js';
export type { Retention, WorkerInfo } from './store.js';
export { StreamHub } from './stream.js';
export type { StreamOptions, StreamSource } from './stream.js';
export type { Timers, Clock } from './timers.js';
export { ACTIONS } from './contract.js';
export type { ActionName, CanvasNode, Overview, Queue, Series, Session, TaskDetail, TaskEventEntry, TaskSummary, Worker } from './contract.js';
