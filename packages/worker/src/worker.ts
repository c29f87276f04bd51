/**
 * The worker: consumes task messages, runs registered tasks with bounded concurrency, holds ETA
 * tasks until due, stores results in Celery's format and shuts down gracefully. This file only
 * wires the parts together; each part has its own file.
 */
import { hostname as osHostname } from 'node:os';
import { ConfigurationError, DEFAULT_REVOKE_EXPIRES, asLogger, collectTasks, createBackendFromUrl, createBrokerFromUrl, createJsonSerializer, createSerializerRegistry, createTaskRouter, hasHook, systemClock } from '@celerity/core';
import { chordUnlockTask } from './chord-unlock.js';
import { backendOptionsWithExpires, loadMessageTracing, redactUrl, withBuiltinTasks } from '@celerity/core/internal';
import type { TraceOutcome } from '@celerity/core/internal';
import type { Job } from './delivery-pipeline.js';
import { createDeliveryPipeline, isStale } from './delivery-pipeline.js';
import { checkEtaHoldLimit, limitEtaHold } from './eta-hold-limit.js';
import { BlockingBodies } from './blocking-bodies.js';
import { withConfig } from './config-options.js';
import { createEtaScheduler } from './eta-scheduler.js';
import type { ExecutionContext } from './execution-context.js';
import { executeMessage } from './execute.js';
import { createLifecycle } from './lifecycle.js';
import { controlCommands } from './control/commands.js';
import { createControlHost } from './control/control-host.js';
import { createJobBook } from './control/job-book.js';
import { createTimeLimitOverrides } from './control/time-limits.js';
import { workerSettings } from './control/worker-settings.js';
import { createWorkerControl } from './control/worker-control.js';
import { createRevocation } from './revocation.js';
import { createRevokedSet } from './revoked-set.js';
import { RunningTasks } from './running-tasks.js';
import { checkEtaTaskLimit, prefetchWindow } from './prefetch-window.js';
import { createRedeliveryPolicy } from './redelivery.js';
import { limitRates, rateHeldWidening } from './rate-limits.js';
import { createResultWriter } from './result-writer.js';
import { createRunningJobs } from './running-jobs.js';
import { createSlotGate } from './slot-gate.js';
import { createSuccessfulRedeliveryCheck } from './successful-redelivery.js';
import type { Worker, WorkerOptions } from './worker-options.js';
import { createWorkerStats, recordOutcome } from './worker-stats.js';
import { createWorkerPool } from './pool/worker-pool.js';
import { resolvePoolConfig } from './pool/pool-config.js';
import { EventLoopLagMonitor } from './pool/event-loop-lag.js';
import { combineObservers, observeOutcome } from './task-observer.js';
import { createWorkerEvents } from './events/worker-events.js';

export type { StopOptions, Worker, WorkerOptions } from './worker-options.js';
export type { WorkerStats } from './worker-stats.js';
export type { RevokedTasks } from './revoked-set.js';
export type { TaskObserver } from './task-observer.js';

function maxDeliveriesOf(value: number | undefined): number {
  if (value === undefined) return 5;
  if (!Number.isInteger(value) || value < 0) throw new ConfigurationError(`maxDeliveries must be an integer ≥ 0 (0 = unbounded), got ${String(value)}`);
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 0)) throw new ConfigurationError(`${name} must be a number ≥ 0, got ${String(value)}`);
  return value;
}

/** Celery's `worker_prefetch_multiplier`: an integer ≥ 0 (0 = no prefetch limit). */
function prefetchOf(options: WorkerOptions, concurrency: number): number {
  if (options.prefetch !== undefined) return Math.max(1, options.prefetch);
  const multiplier = options.prefetchMultiplier ?? 4;
  if (!Number.isInteger(multiplier) || multiplier < 0) throw new ConfigurationError(`prefetchMultiplier must be an integer ≥ 0 (0 = no limit), got ${String(multiplier)}`);
  return concurrency * multiplier;
}

/**
 * @example
 * const worker = createWorker({ broker: 'redis://localhost', backend: 'redis://localhost', tasks, concurrency: 50 });
 * await worker.start();
 */
export function createWorker(workerOptions: WorkerOptions): Worker {
  const options = withConfig(workerOptions);
  // A pino instance gets its arguments in pino's order (pino-logger.ts).
  const logger = asLogger(options.logger);
  const clock = options.clock ?? systemClock;
  // Celery's built-in tasks (celery.map, celery.chunks…) beside the user's, which win on a clash.
  const tasks = withBuiltinTasks(collectTasks(options.tasks));
  const defaultQueue = options.defaultQueue ?? options.queues?.[0] ?? 'celery';
  const queues = [...(options.queues ?? [defaultQueue])];
  const poolConfig = resolvePoolConfig(options);
  const concurrency = poolConfig.concurrency;
  const softShutdownTimeout = nonNegative('softShutdownTimeout', options.softShutdownTimeout, 0);
  const route = createTaskRouter(options.taskRoutes);
  const hooks = options.hooks;
  const resultExpires = options.resultExpires === undefined ? undefined : nonNegative('resultExpires', options.resultExpires, 0);
  const hostname = options.hostname ?? `celerity@${osHostname()}`;
  const adapters = options.adapters ?? [];
  const broker = typeof options.broker === 'object' ? options.broker : createBrokerFromUrl(options.broker ?? 'memory://', { logger, options: options.brokerOptions ?? {}, adapters });
  const backend =
    options.backend === undefined
      ? null
      : typeof options.backend === 'object'
        ? options.backend
        : createBackendFromUrl(options.backend, { logger, broker, options: backendOptionsWithExpires(options.backend, options.backendOptions, resultExpires), adapters });
  const serializers = createSerializerRegistry([createJsonSerializer(), ...(options.serializers ?? [])], options.accept ? { accept: options.accept } : {});
  const etaTaskLimit = checkEtaTaskLimit(options.etaTaskLimit);
  const etaHoldLimit = checkEtaHoldLimit(options.etaHoldLimit);
  const maxDeliveries = maxDeliveriesOf(options.maxDeliveries);
  // Changed by `pool_grow` / `pool_shrink` / `autoscale` (Celery's `_update_prefetch_count`).
  let basePrefetch = prefetchOf(options, concurrency);
  const initialPrefetch = prefetchWindow(basePrefetch, 0, etaTaskLimit);
  const shutdown = new AbortController();
  const writer = backend ? createResultWriter(backend, logger) : null;
  const ctx: ExecutionContext = {
    broker,
    backend,
    serializer: serializers.get(options.serializer ?? 'json'),
    logger,
    clock,
    defaultQueue,
    origin: `gen${process.pid}@${osHostname()}`,
    hostname,
    writer,
    trackStarted: options.trackStarted ?? false,
    acksLate: options.acksLate ?? false,
    resultExtended: options.resultExtended ?? false,
    signal: shutdown.signal,
    tasks,
    blocking: new BlockingBodies(),
    running: new RunningTasks(),
    taskHooks: hasHook(hooks, 'taskPrerun', 'taskPostrun', 'taskSuccess', 'taskFailure', 'taskRetry'),
  };
  if (route !== undefined) ctx.route = route;
  const observer = combineObservers(options.observers, logger);
  if (observer !== undefined) ctx.observer = observer;
  if (hooks !== undefined) ctx.hooks = hooks;
  // celery.chord_unlock reads the chord's header through this worker's backend (a user's task of that name wins).
  if (backend !== null && !tasks.has('celery.chord_unlock')) {
    const unlock = chordUnlockTask(backend, ctx);
    tasks.set(unlock.name, unlock);
    ctx.inProcess = new Set([unlock]);
  }
  const revoked = createRevokedSet(clock);
  const pool = createWorkerPool(poolConfig, { clock, logger, serializers, shutdown: shutdown.signal });
  if (pool.children) ctx.pool = pool.children;
  if (poolConfig.defaultTimeLimit) ctx.defaultTimeLimit = poolConfig.defaultTimeLimit;
  if (options.rejectOnWorkerLost === true || options.acksOnFailureOrTimeout === false) {
    ctx.failurePolicy = { rejectOnWorkerLost: options.rejectOnWorkerLost ?? false, acksOnFailureOrTimeout: options.acksOnFailureOrTimeout ?? true };
  }
  const lag = new EventLoopLagMonitor({ logger });
  // What `inspect active` / `reserved` list, and the `time_limit` command's per-task limits.
  const book = createJobBook();
  const timeLimits = createTimeLimitOverrides();
  const createdAt = clock.now();

  const slots = createSlotGate<Job, TraceOutcome>({
    concurrency,
    run: (job, release) => {
      // Tracked until its slot is given back (its outcome is recorded): a soft or cold shutdown
      // cancels what is still in here.
      running.add(job);
      book.start(job, clock.now());
      return executeMessage(job.delivery, job.message, timeLimits.definitionFor(job.definition), ctx, release);
    },
    released: (job) => {
      running.remove(job);
      book.forget(job);
    },
    settled: (outcome, job) => {
      if (outcome !== undefined) {
        recordOutcome(stats, outcome);
        if (observer !== undefined && !ctx.cancelled?.has(job.delivery)) observeOutcome(observer, job.message, job.delivery.queue, outcome);
      }
      lifecycle.checkIdle();
    },
    failed: (error, job) => logger.error(`Unexpected worker error for ${job.message.id}: ${(error as Error).message}`, { error }),
    // Checked again when a slot starts the job: a revoke may have come while it waited.
    skip: (job) => {
      const skipped = isStale(job, logger) || revocation.skip(job);
      if (skipped) book.forget(job);
      return skipped;
    },
  });
  // Jobs over their task's rate limit wait here for a token, without a slot (rate-limits.ts).
  const gate = limitRates({
    gate: slots,
    tasks,
    clock,
    logger,
    concurrency,
    defaultRateLimit: options.defaultRateLimit,
    rateLimits: options.rateLimits,
    brokerLimiter: broker.rateLimiter,
    changed: () => widen(),
  });
  // ETA tasks stay unacked until due (or handed to the broker's delay); widen the prefetch window
  // so they don't starve the queue, up to the ETA task limit. Jobs held by a rate limit widen it
  // too, by at most the base window (rate-limits.ts). The lifecycle adds its argument to the
  // window it started with.
  const widen = (): void =>
    lifecycle.widenPrefetch(prefetchWindow(basePrefetch, scheduler.size + rateHeldWidening(gate.held, basePrefetch), etaTaskLimit) - initialPrefetch);
  const scheduler = limitEtaHold({
    scheduler: createEtaScheduler<Job>({ clock, due: (job) => pipeline.due(job), changed: widen }),
    broker,
    limit: etaHoldLimit,
    clock,
    logger,
    changed: widen,
    left: () => lifecycle.checkIdle(),
  });
  const stats = createWorkerStats(gate, scheduler);
  const events = createWorkerEvents({ broker, hostname, clock, logger, enabled: options.eventsEnabled ?? false, withoutHeartbeat: options.withoutHeartbeat ?? false, stats });
  ctx.events = events.tasks;
  const revocation = createRevocation({
    revoked,
    running: ctx.running!,
    scheduler,
    broker,
    ctx,
    expires: nonNegative('revokedExpires', options.revokedExpires, DEFAULT_REVOKE_EXPIRES) * 1000,
    logger,
    left: () => lifecycle.checkIdle(),
  });
  const redelivery = createRedeliveryPolicy({ maxDeliveries, ctx, deadLettered: () => void stats.deadLettered++ });
  const running = createRunningJobs({ ctx, broker, logger });
  ctx.storeFailed = (taskId, error) => redelivery.noteFailure(taskId, error);
  const dedupe = createSuccessfulRedeliveryCheck({ ctx, stats, enabled: options.deduplicateSuccessfulTasks ?? true });
  const pipeline = createDeliveryPipeline({
    serializers,
    tasks,
    ctx,
    stats,
    scheduler,
    gate,
    redelivery,
    accepting: () => lifecycle.accepting,
    left: () => lifecycle.checkIdle(),
    dedupe,
    revoked: (job) => revocation.skip(job),
    reserved: (job) => book.reserve(job),
  });
  let stopped: Promise<void> | null = null;
  let markStopped: () => void = () => {};
  const whenStopped = new Promise<void>((resolve) => (markStopped = resolve));
  const controlHost = createControlHost({
    events,
    hostname,
    revocation,
    revoked,
    tasks,
    gate,
    timeLimits,
    book,
    scheduled: () => scheduler.items(),
    acksLate: ctx.acksLate,
    clock,
    createdAt,
    pool: { kind: poolConfig.pool, children: pool.children, autoscaling: options.autoscale !== undefined, maxTasksPerChild: poolConfig.maxTasksPerChild, defaultTimeLimit: poolConfig.defaultTimeLimit },
    resized: (size) => {
      // A window set as a number stays; one from the multiplier follows the concurrency.
      if (options.prefetch !== undefined) return;
      basePrefetch = prefetchOf(options, size);
      widen();
    },
    lifecycle: {
      get queues() {
        return lifecycle.queues;
      },
      get prefetchCount() {
        return lifecycle.prefetchCount;
      },
      addQueue: (queue, declaration) => lifecycle.addQueue(queue, declaration),
      cancelQueue: (queue) => lifecycle.cancelQueue(queue),
    },
    queueOptions: options.queueOptions,
    stop: () => void worker.stop().catch((error: unknown) => logger.error(`shutdown failed: ${(error as Error).message}`, { error })),
    broker: typeof options.broker === 'object' ? { transport: broker.transport } : (options.broker ?? 'memory://'),
    results: typeof options.backend === 'string' ? redactUrl(options.backend) : options.backend === undefined ? 'disabled' : (backend?.name ?? 'disabled'),
    settings: workerSettings(options, { concurrency, defaultQueue, queues, prefetchMultiplier: options.prefetchMultiplier ?? 4, pool: poolConfig.pool }),
    logger,
  });
  const lifecycle = createLifecycle({
    hostname,
    queues,
    queueOptions: options.queueOptions,
    broker,
    backend,
    ownsBroker: typeof options.broker !== 'object',
    ownsBackend: typeof options.backend === 'string',
    logger,
    prefetch: initialPrefetch,
    pipeline,
    gate,
    scheduler,
    redelivery,
    writer,
    dedupe,
    shutdown,
    handOffsSettled: () => scheduler.handOffsSettled(),
    control: createWorkerControl({ broker, host: controlHost, events, commands: controlCommands, pidbox: options.control ?? true, logger }),
    connectRetry: {
      retries: nonNegative('connectRetries', options.connectRetries, 100),
      delay: nonNegative('connectRetryDelay', options.connectRetryDelay, 2000),
      maxDelay: nonNegative('connectRetryMaxDelay', options.connectRetryMaxDelay, 30_000),
      clock,
    },
    brokerLabel: typeof options.broker === 'string' ? redactUrl(options.broker) : options.broker === undefined ? 'memory://' : `the ${broker.transport} broker`,
    backendLabel: typeof options.backend === 'string' ? redactUrl(options.backend) : `the ${backend?.name ?? ''} result backend`,
    running,
    softShutdownTimeout,
    clock,
    hooks,
  });

  const worker: Worker = {
    hostname,
    queues,
    concurrency,
    tasks,
    broker,
    backend,
    stats,
    setRateLimit: (taskName, limit) => gate.setRateLimit(taskName, limit),
    revoked,
    pool: pool.view,
    get eventsEnabled() {
      return events.tasks.on;
    },
    get eventLoopLag() {
      return lag.last;
    },
    start: async () => {
      // Children first: a tasks module that cannot load fails the start before anything is consumed.
      await pool.start();
      // OpenTelemetry consumer spans when @opentelemetry/api is installed (tracing.ts of core).
      if (options.tracing !== false) {
        const tracing = await loadMessageTracing();
        if (tracing !== null) ctx.tracing = tracing;
      }
      lag.start();
      try {
        await lifecycle.start();
      } catch (error) {
        lag.stop();
        await pool.close();
        throw error;
      }
    },
    stop: (stopOptions) => {
      // Once: a second call (a signal while a remote `shutdown` runs) joins the first, escalating its mode.
      const current = lifecycle.stop(stopOptions);
      stopped ??= (async () => {
        await current;
        lag.stop();
        await pool.close();
        markStopped();
      })();
      return current.then(() => stopped!);
    },
    stopped: whenStopped,
    idle: () => lifecycle.idle(),
    [Symbol.asyncDispose]: () => worker.stop(),
  };
  return worker;
}
