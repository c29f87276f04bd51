/**
 * The worker: consumes task messages, runs registered tasks with bounded concurrency, holds ETA
 * tasks until due, stores results in Celery's format and shuts down gracefully.
 */
import { hostname as osHostname } from 'node:os';
import type {
  Adapter,
  Broker,
  Consumer,
  Delivery,
  Logger,
  MalformedDelivery,
  QueueDeclaration,
  ResultBackend,
  Serializer,
  TaskCollection,
  TaskDefinition,
  TaskMessage,
} from '@celerity/core';
import {
  ContentDisallowedError,
  collectTasks,
  createBackendFromUrl,
  createBrokerFromUrl,
  createJsonSerializer,
  createSerializerRegistry,
  decodeTaskMessage,
  silentLogger,
} from '@celerity/core';
import type { TraceOutcome } from '@celerity/core/internal';
import { executeMessage } from './execute.js';
import type { ExecutionContext } from './execute.js';
import { createResultWriter } from './result-writer.js';
import { rejectUnrunnable } from './reject.js';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** Broker URL or instance. @default 'memory://' */
  broker?: string | Broker;
  /** Result backend URL or instance; without one, results are not stored. */
  backend?: string | ResultBackend;
  /**
   * The adapters that resolve `broker` and `backend` URLs (`memory://` needs none): e.g.
   * `[brokerAdapter]` from `@celerity/broker-redis`. The `celerity` command finds them by scheme.
   */
  adapters?: readonly Adapter[];
  /** Task definitions: an array or a module namespace (`import * as tasks`). */
  tasks: TaskCollection;
  /** Queues to consume. @default ['celery'] */
  queues?: readonly string[];
  /**
   * How each queue is declared, by name (AMQP: `maxPriority`, `deadLetterExchange`, `queueType`…).
   * Must match how other producers and workers declare it, or RabbitMQ refuses the declaration.
   * @example { tasks: { maxPriority: 10 }, jobs: { deadLetterExchange: 'dlx' } }
   */
  queueOptions?: Readonly<Record<string, QueueDeclaration>>;
  /** Tasks running at once. @default 10 */
  concurrency?: number;
  /** Messages held unacked (running + waiting). @default concurrency × 4 */
  prefetch?: number;
  /** Node name in results and logs. @default `celerity@<hostname>` */
  hostname?: string;
  logger?: Logger;
  /** Serializers besides JSON (e.g. msgpack). */
  serializers?: readonly Serializer[];
  /** Content types (or serializer names) accepted. @default every registered serializer */
  accept?: readonly string[];
  /** Serializer for messages the worker sends (retries, callbacks, chains). @default 'json' */
  serializer?: string;
  /** Store STARTED when a task begins (Celery's `task_track_started`). @default false */
  trackStarted?: boolean;
  /** Ack after the task ran instead of before (Celery's `task_acks_late`). @default false */
  acksLate?: boolean;
  /** Store name, args, kwargs, worker, retries, queue in results (`result_extended`). @default false */
  resultExtended?: boolean;
  /** Options for URL-created brokers (e.g. `{ visibilityTimeout: 10 }`). */
  brokerOptions?: Record<string, unknown>;
  /** Options for URL-created backends. */
  backendOptions?: Record<string, unknown>;
}

/** Counters of a running worker. */
export interface WorkerStats {
  processed: number;
  succeeded: number;
  failed: number;
  retried: number;
  rejected: number;
  active: number;
  waiting: number;
  scheduled: number;
}

/** A running (or stopped) worker. */
export interface Worker extends AsyncDisposable {
  readonly hostname: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly tasks: ReadonlyMap<string, TaskDefinition>;
  readonly broker: Broker;
  readonly backend: ResultBackend | null;
  readonly stats: Readonly<WorkerStats>;
  /** Connects, declares the queues and starts consuming. */
  start(): Promise<void>;
  /**
   * Stops consuming and waits for running tasks (warm shutdown); messages not started go back to
   * the queue. With `force`, running tasks are abandoned and their messages redelivered later.
   */
  stop(options?: { force?: boolean }): Promise<void>;
  /** Resolves when nothing is running, waiting or scheduled. */
  idle(): Promise<void>;
}

interface Job {
  delivery: Delivery;
  message: TaskMessage;
  definition: TaskDefinition;
}

/**
 * @example
 * const worker = createWorker({ broker: 'redis://localhost', backend: 'redis://localhost', tasks, concurrency: 50 });
 * await worker.start();
 */
export function createWorker(options: WorkerOptions): Worker {
  const logger = options.logger ?? silentLogger;
  const tasks = collectTasks(options.tasks);
  const queues = [...(options.queues ?? ['celery'])];
  const concurrency = Math.max(1, options.concurrency ?? 10);
  const basePrefetch = Math.max(1, options.prefetch ?? concurrency * 4);
  const hostname = options.hostname ?? `celerity@${osHostname()}`;
  const ownsBroker = typeof options.broker !== 'object';
  const ownsBackend = typeof options.backend === 'string';
  const broker = typeof options.broker === 'object' ? options.broker : createBrokerFromUrl(options.broker ?? 'memory://', { logger, options: options.brokerOptions ?? {}, adapters: options.adapters ?? [] });
  const backend =
    options.backend === undefined ? null : typeof options.backend === 'object' ? options.backend : createBackendFromUrl(options.backend, { logger, broker, options: options.backendOptions ?? {}, adapters: options.adapters ?? [] });
  const registry = createSerializerRegistry([createJsonSerializer(), ...(options.serializers ?? [])], options.accept ? { accept: options.accept } : {});
  const serializer = registry.get(options.serializer ?? 'json');
  const shutdown = new AbortController();
  const stats: WorkerStats = { processed: 0, succeeded: 0, failed: 0, retried: 0, rejected: 0, active: 0, waiting: 0, scheduled: 0 };
  const ctx: ExecutionContext = {
    broker,
    backend,
    serializer,
    logger,
    defaultQueue: queues[0] ?? 'celery',
    origin: `gen${process.pid}@${osHostname()}`,
    hostname,
    writer: backend ? createResultWriter(backend, logger) : null,
    trackStarted: options.trackStarted ?? false,
    acksLate: options.acksLate ?? false,
    resultExtended: options.resultExtended ?? false,
    signal: shutdown.signal,
    tasks,
  };

  const waiting: Job[] = [];
  const scheduled = new Map<Job, ReturnType<typeof setTimeout>>();
  // Runs whose promise has not settled yet (the result may still be being stored), and who waits for none.
  let running = 0;
  let settledWaiters: Array<() => void> = [];
  let consumer: Consumer | null = null;
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  let idleWaiters: Array<() => void> = [];

  const notifyIdle = (): void => {
    if (running > 0 || waiting.length > 0 || scheduled.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const record = (outcome: TraceOutcome): void => {
    stats.processed++;
    if (outcome.kind === 'success') stats.succeeded++;
    else if (outcome.kind === 'failure') stats.failed++;
    else stats.retried++;
  };

  // Slots taken; a task may give its slot back before its promise in `running` settles (result queued).
  let busy = 0;
  const pump = (): void => {
    while (state === 'running' && busy < concurrency && waiting.length > 0) {
      const job = waiting.shift()!;
      if (job.delivery.stale) {
        // Its channel died while it waited: the broker redelivers it, running it here would run it twice.
        logger.debug(`Dropped ${job.message.task}[${job.message.id}]: its delivery is gone and will be redelivered`);
        continue;
      }
      let held = true;
      const release = (): void => {
        if (!held) return;
        held = false;
        busy--;
        stats.active = busy;
        pump();
      };
      // One `then` with both handlers: a `.then().finally()` chain cost four promises and closures more per task.
      const settle = (outcome: TraceOutcome | undefined): void => {
        if (outcome !== undefined) record(outcome);
        running--;
        release();
        if (running === 0 && settledWaiters.length > 0) {
          const waiters = settledWaiters;
          settledWaiters = [];
          for (const resolve of waiters) resolve();
        }
        notifyIdle();
      };
      busy++;
      running++;
      executeMessage(job.delivery, job.message, job.definition, ctx, release).then(settle, (error: unknown) => {
        logger.error(`Unexpected worker error for ${job.message.id}: ${(error as Error).message}`, { error });
        settle(undefined);
      });
      stats.active = busy;
    }
    stats.waiting = waiting.length;
  };

  const schedule = (job: Job, eta: Date): void => {
    // ETA tasks stay unacked until due; widen the prefetch window so they don't starve the queue.
    const delay = Math.min(eta.getTime() - Date.now(), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      scheduled.delete(job);
      stats.scheduled = scheduled.size;
      consumer?.setPrefetch(basePrefetch + scheduled.size);
      if (job.delivery.stale) return notifyIdle();
      if (job.message.eta && job.message.eta.getTime() > Date.now()) return schedule(job, job.message.eta);
      accept(job);
    }, delay);
    scheduled.set(job, timer);
    stats.scheduled = scheduled.size;
    consumer?.setPrefetch(basePrefetch + scheduled.size);
  };

  const accept = (job: Job): void => {
    if (job.message.expires && job.message.expires.getTime() <= Date.now()) {
      void rejectUnrunnable(job.delivery, job.message, 'expired', ctx).finally(notifyIdle);
      return;
    }
    waiting.push(job);
    pump();
  };

  const onDelivery = (delivery: Delivery): void => {
    let message: TaskMessage;
    try {
      message = decodeTaskMessage(delivery.envelope, { serializers: registry });
    } catch (error) {
      stats.rejected++;
      const reason = error instanceof ContentDisallowedError ? `Refusing to deserialize untrusted content of type ${error.contentType}` : `Received invalid task message: ${(error as Error).message}`;
      void rejectUnrunnable(delivery, null, { reason, error }, ctx);
      return;
    }
    const definition = tasks.get(message.task);
    if (!definition) {
      stats.rejected++;
      void rejectUnrunnable(delivery, message, 'unregistered', ctx);
      return;
    }
    if (logger !== silentLogger) logger.info(`Received task: ${message.task}[${message.id}]${message.eta ? `  ETA:[${message.eta.toISOString()}]` : ''}`);
    const job: Job = { delivery, message, definition };
    if (state !== 'running') {
      void delivery.reject({ requeue: true });
      return;
    }
    if (message.eta && message.eta.getTime() > Date.now()) schedule(job, message.eta);
    else accept(job);
  };

  const onMalformed = (item: MalformedDelivery): void => {
    stats.rejected++;
    logger.error(`Discarded malformed message from queue ${item.queue}: ${item.error.message}${item.setAsideAt ? ` (kept in ${item.setAsideAt})` : ''}`);
  };

  const giveBack = async (): Promise<void> => {
    const held = [...waiting.map((j) => j.delivery), ...[...scheduled.keys()].map((j) => j.delivery)];
    for (const timer of scheduled.values()) clearTimeout(timer);
    scheduled.clear();
    waiting.length = 0;
    await Promise.all(held.map((d) => d.reject({ requeue: true }).catch(() => {})));
  };

  const worker: Worker = {
    hostname,
    queues,
    concurrency,
    tasks,
    broker,
    backend,
    stats,
    async start() {
      if (state !== 'new') throw new Error(`worker ${hostname} was already started`);
      state = 'running';
      await broker.connect();
      await backend?.connect();
      for (const queue of queues) await broker.declareQueue(queue, options.queueOptions?.[queue] ?? {});
      consumer = await broker.consume(queues, onDelivery, { prefetch: basePrefetch, onMalformed });
      logger.info(`${hostname} ready.`);
    },
    async stop({ force = false } = {}) {
      if (state === 'stopped' || state === 'stopping') return;
      const wasRunning = state === 'running';
      state = 'stopping';
      await consumer?.cancel().catch(() => {});
      await giveBack();
      if (force) shutdown.abort(new Error('worker stopped'));
      else if (running > 0) await new Promise<void>((resolve) => settledWaiters.push(resolve));
      if (wasRunning) await ctx.writer?.flush().catch(() => {});
      if (ownsBroker) await broker.close();
      if (ownsBackend) await backend?.close();
      state = 'stopped';
      notifyIdle();
    },
    async idle() {
      await new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        notifyIdle();
      });
      // Tasks let their slot go before their result is written; idle means written too.
      await ctx.writer?.flush();
    },
    [Symbol.asyncDispose]() {
      return worker.stop();
    },
  };
  return worker;
}
