/**
 * The worker's side of the control commands ({@link ControlHost}), built from its parts: what
 * `inspect` reads and what `control` changes. Kept apart from worker.ts so that file only wires.
 */
import type { WorkerEvents } from '../events/worker-events.js';
import type { Clock, Logger, QueueDeclaration, RateLimit, TaskDefinition } from '@celerity/core';
import type { Job } from '../delivery-pipeline.js';
import type { Lifecycle } from '../lifecycle.js';
import type { ChildPool } from '../pool/child-pool.js';
import type { RateLimitedGate } from '../rate-limits.js';
import type { Revocation } from '../revocation.js';
import type { RevokedTasks } from '../revoked-set.js';
import type { ControlHost, PoolControl } from './commands.js';
import type { Setting } from './conf-report.js';
import { confReply, reportText } from './conf-report.js';
import type { JobBook } from './job-book.js';
import { requestInfo, type RequestInfo } from './request-info.js';
import { statsReply } from './stats-reply.js';
import type { TimeLimitOverrides } from './time-limits.js';

/** What the host is built from. */
export interface ControlHostParts {
  hostname: string;
  revocation: Revocation;
  revoked: RevokedTasks;
  tasks: ReadonlyMap<string, TaskDefinition>;
  gate: RateLimitedGate;
  timeLimits: TimeLimitOverrides;
  book: JobBook;
  /** ETA jobs held now. */
  scheduled(): Job[];
  /** The worker's `acksLate` (a task's own option wins). */
  acksLate: boolean;
  clock: Clock;
  /** When the worker was created, on the clock. */
  createdAt: number;
  pool: { kind: string; children: ChildPool | undefined; autoscaling: boolean; maxTasksPerChild: number | undefined; defaultTimeLimit: readonly [number | null, number | null] | undefined };
  /** Called with the new concurrency after `pool_grow` / `pool_shrink` / `autoscale` (the prefetch window follows it). */
  resized(concurrency: number): void;
  /** Queues consumed and their run-time changes; the prefetch window. */
  lifecycle: Pick<Lifecycle, 'queues' | 'addQueue' | 'cancelQueue' | 'prefetchCount'>;
  queueOptions: Readonly<Record<string, QueueDeclaration>> | undefined;
  /** Starts a warm shutdown. */
  stop(): void;
  /** The broker URL as configured, or the transport of a broker object. */
  broker: string | { transport: string };
  /** What `report` calls the result backend. */
  results: string;
  settings: readonly Setting[];
  logger: Logger;
  /** The events side, for `enable_events` / `disable_events`. */
  events: WorkerEvents;
}

/** Python's `datetime.isoformat()` of a UTC time: microseconds and `+00:00`. */
function isoformat(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** kombu's `Queue.as_dict(recurse=True)` of a task queue on the default direct exchange. */
function queueAsDict(name: string, declaration: QueueDeclaration): Record<string, unknown> {
  const durable = declaration.durable ?? true;
  const autoDelete = declaration.autoDelete ?? false;
  const args: Record<string, unknown> = { ...(declaration.arguments ?? {}) };
  if (declaration.queueType === 'quorum') args['x-queue-type'] = 'quorum';
  if (declaration.deadLetterExchange !== undefined) args['x-dead-letter-exchange'] = declaration.deadLetterExchange;
  return {
    name,
    exchange: { name, type: 'direct', arguments: null, durable, passive: false, auto_delete: autoDelete, delivery_mode: null, no_declare: false },
    routing_key: name,
    queue_arguments: Object.keys(args).length > 0 ? args : null,
    binding_arguments: null,
    consumer_arguments: null,
    durable,
    exclusive: false,
    auto_delete: autoDelete,
    no_ack: false,
    alias: null,
    bindings: [],
    no_declare: null,
    expires: null,
    message_ttl: null,
    max_length: null,
    max_length_bytes: null,
    max_priority: declaration.maxPriority ?? null,
  };
}

/** Run-time sizing of the slot gate and, for a child pool, its children (Celery's `pool_grow` …). */
function poolControl(parts: ControlHostParts): PoolControl {
  const { gate } = parts;
  const children = parts.pool.children;
  const resize = (min: number, max: number): void => {
    gate.resize(max);
    children?.resize(min, max);
    parts.resized(gate.concurrency);
  };
  return {
    autoscaling: parts.pool.autoscaling,
    grow(n) {
      resize(children?.min ?? 0, gate.concurrency + n);
      return gate.concurrency;
    },
    shrink(n) {
      const size = Math.max(1, gate.concurrency - n);
      resize(Math.min(children?.min ?? 0, size), size);
      return gate.concurrency;
    },
    autoscale(max, min) {
      if (!parts.pool.autoscaling || children === undefined) throw Object.assign(new Error('Autoscale not enabled'), { name: 'ValueError' });
      const newMax = max ?? children.max;
      resize(Math.min(min ?? children.min, newMax), newMax);
      return [children.max, children.min];
    },
  };
}

export function createControlHost(parts: ControlHostParts): ControlHost {
  const { hostname, book, tasks, gate, clock } = parts;
  const rateLimits = new Map<string, RateLimit | null>();
  // The async pool runs bodies in the worker's process; a child pool says which child runs a task.
  const children = parts.pool.children;
  const pidOf = (job: Job): number | null => (children === undefined ? process.pid : (children.childRunning(job.message.id) ?? null));
  const ackedEarly = (job: Job): boolean => !(job.definition.options.acksLate ?? parts.acksLate);
  const info = (job: Job, started: number | null, safe = false): RequestInfo =>
    requestInfo(job, { hostname, started, acknowledged: started !== null && ackedEarly(job), workerPid: started === null ? null : pidOf(job), safe });
  const reserved = (): RequestInfo[] => book.reserved().map((job) => info(job, null));

  return {
    hostname,
    revocation: parts.revocation,
    events: parts.events,
    revokedIds: () => parts.revoked.ids(),
    tasks,
    rateLimitOf: (task) => (rateLimits.has(task) ? (rateLimits.get(task) ?? null) : (tasks.get(task)?.options.rateLimit ?? null)),
    setRateLimit(task, limit) {
      gate.setRateLimit(task, limit);
      rateLimits.set(task, limit);
    },
    setTimeLimits: (task, soft, hard) => parts.timeLimits.set(task, soft, hard),
    active: (safe) => book.active().map(({ job, started }) => info(job, started, safe)),
    reserved,
    scheduled: () =>
      parts.scheduled().map((job) => ({ eta: job.message.eta === null ? null : isoformat(job.message.eta), priority: 6, request: info(job, null) })),
    queryTask(ids) {
      const wanted = new Set(ids);
      const found: Record<string, [string, RequestInfo]> = {};
      for (const { job, started } of book.active()) if (wanted.has(job.message.id)) found[job.message.id] = ['active', info(job, started)];
      for (const job of book.reserved()) if (wanted.has(job.message.id)) found[job.message.id] ??= ['reserved', info(job, null)];
      return found;
    },
    stats: () =>
      statsReply({
        totals: book.totals,
        startedAt: parts.createdAt,
        now: clock.now(),
        pool: { kind: parts.pool.kind, maxConcurrency: gate.concurrency, childIds: parts.pool.children?.childIds ?? [], maxTasksPerChild: parts.pool.maxTasksPerChild, timeouts: parts.pool.defaultTimeLimit },
        broker: parts.broker,
        prefetchCount: parts.lifecycle.prefetchCount,
        clock: parts.events.clockValue(),
      }),
    activeQueues: () => parts.lifecycle.queues.map((queue) => queueAsDict(queue, parts.queueOptions?.[queue] ?? {})),
    addConsumer: (queue) => parts.lifecycle.addQueue(queue, parts.queueOptions?.[queue] ?? {}),
    cancelConsumer: (queue) => parts.lifecycle.cancelQueue(queue),
    // After the command returned, so the pidbox is not torn down under it.
    shutdown: () => void setTimeout(() => parts.stop(), 0),
    conf: (withDefaults) => confReply(parts.settings, withDefaults),
    report: () => reportText(parts.settings, typeof parts.broker === 'string' ? (parts.broker.split(':')[0] ?? '') : parts.broker.transport, parts.results),
    pool: poolControl(parts),
    logger: parts.logger,
  };
}
