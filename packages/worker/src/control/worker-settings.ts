/**
 * The worker's options under Celery's setting names, for `inspect conf` and `inspect report`:
 * each with the value configured (undefined when not set) and the value in effect.
 */
import type { WorkerOptions } from '../worker-options.js';
import type { Setting } from './conf-report.js';

/** Values the worker resolved from its options. */
export interface ResolvedSettings {
  concurrency: number;
  defaultQueue: string;
  queues: readonly string[];
  prefetchMultiplier: number;
  pool: string;
}

export function workerSettings(options: WorkerOptions, resolved: ResolvedSettings): Setting[] {
  const url = (value: unknown): unknown => (typeof value === 'string' ? value : undefined);
  return [
    ['broker_url', url(options.broker), url(options.broker) ?? 'memory://'],
    ['result_backend', url(options.backend), null],
    ['worker_concurrency', options.concurrency, resolved.concurrency],
    ['worker_pool', options.pool, resolved.pool],
    ['worker_prefetch_multiplier', options.prefetchMultiplier, resolved.prefetchMultiplier],
    ['task_default_queue', options.defaultQueue, resolved.defaultQueue],
    ['task_queues', options.queues, resolved.queues],
    ['task_serializer', options.serializer, 'json'],
    ['accept_content', options.accept, ['json']],
    ['task_acks_late', options.acksLate, false],
    ['task_track_started', options.trackStarted, false],
    ['result_extended', options.resultExtended, false],
    ['result_expires', options.resultExpires, 86400],
    ['task_default_rate_limit', options.defaultRateLimit, null],
    ['task_time_limit', options.timeLimit, null],
    ['task_soft_time_limit', options.softTimeLimit, null],
    ['worker_max_tasks_per_child', options.maxTasksPerChild, null],
    ['worker_max_memory_per_child', options.maxMemoryPerChild, null],
    ['task_reject_on_worker_lost', options.rejectOnWorkerLost, false],
    ['task_acks_on_failure_or_timeout', options.acksOnFailureOrTimeout, true],
    ['worker_soft_shutdown_timeout', options.softShutdownTimeout, 0],
  ];
}
