/**
 * A worker's life: start (connect, declare, consume), stop (Celery 5.5's warm, soft or cold
 * shutdown, giving back what has not started), and idle (nothing running, waiting or held, every
 * result written).
 */
import type { Broker, Clock, Consumer, Hooks, Logger, QueueDeclaration, ResultBackend } from '@celerity/core';
import { ConnectionError, emitHook } from '@celerity/core';
import { connectWithRetry } from './connect-retry.js';
import type { DeliveryPipeline, Job } from './delivery-pipeline.js';
import type { EtaScheduler } from './eta-scheduler.js';
import type { RedeliveryPolicy } from './redelivery.js';
import type { ResultWriter } from './result-writer.js';
import type { RunningJobs } from './running-jobs.js';
import type { SlotGate } from './slot-gate.js';
import type { SuccessfulRedeliveryCheck } from './successful-redelivery.js';

/** Options of {@link createLifecycle}. */
export interface LifecycleOptions {
  hostname: string;
  queues: readonly string[];
  queueOptions: Readonly<Record<string, QueueDeclaration>> | undefined;
  broker: Broker;
  backend: ResultBackend | null;
  /** Whether the worker created (and so closes) the broker / the backend. */
  ownsBroker: boolean;
  ownsBackend: boolean;
  logger: Logger;
  /** Messages held unacked besides ETA tasks. */
  prefetch: number;
  pipeline: DeliveryPipeline;
  gate: SlotGate<Job>;
  scheduler: EtaScheduler<Job>;
  /** Gives back messages not started, without counting them as deliveries. */
  redelivery: RedeliveryPolicy;
  writer: ResultWriter | null;
  /** Lookups of redelivered messages in flight: not idle while one is, and stop waits for them. */
  dedupe: SuccessfulRedeliveryCheck;
  /** Aborted on a forced stop: running tasks see it as `ctx.signal`. */
  shutdown: AbortController;
  /** Resolves once no ETA task is on its way to the broker's delay (bounded; see eta-hold-limit.ts). */
  handOffsSettled(): Promise<void>;
  /**
   * The control side (durable revokes loaded, pidbox subscribed): started before consuming so no
   * revoke is missed, stopped once running tasks settled (a revoke may still terminate them).
   */
  control?: { start(): Promise<void>; stop(): Promise<void> };
  /** How start-up retries an unreachable broker or backend (see connect-retry.ts). */
  connectRetry: { retries: number; delay: number; maxDelay: number; clock: Clock };
  /** What the retry log lines call the broker and the backend (redacted URLs). */
  brokerLabel: string;
  backendLabel: string;
  /** The bodies running, cancelled by a soft shutdown's end or a cold one (running-jobs.ts). */
  running: RunningJobs;
  /** Seconds a soft shutdown waits for running tasks (`softShutdownTimeout`). */
  softShutdownTimeout: number;
  /** Times the soft shutdown. */
  clock: Clock;
  /** workerReady, workerShuttingDown, workerShutdown. */
  hooks: Hooks | undefined;
}

/** How a worker stops (Celery 5.5's shutdowns); `force: true` is `mode: 'cold'`. */
export interface StopRequest {
  mode?: 'warm' | 'soft' | 'cold';
  force?: boolean;
}

/** The start / stop / idle side of a worker. */
export interface Lifecycle {
  /** Whether deliveries are taken (started and not stopping). */
  readonly accepting: boolean;
  start(): Promise<void>;
  /**
   * Stops in the mode asked. Called again while stopping, it returns the same promise; a harsher
   * mode than the one under way takes over (soft starts its timer, cold cancels at once).
   */
  stop(options?: StopRequest): Promise<void>;
  idle(): Promise<void>;
  /** Wakes `idle()` callers if nothing is running, waiting or held; call when any of them shrinks. */
  checkIdle(): void;
  /** Sets the prefetch window to the base plus `held` (ETA tasks stay unacked until due). */
  widenPrefetch(held: number): void;
  /** The prefetch window now (Celery's `prefetch_count`). */
  readonly prefetchCount: number;
  /** The queues consumed now (`add_consumer` / `cancel_consumer` change them). */
  readonly queues: readonly string[];
  /**
   * Consumes `queue` too (declared first), or stops consuming it, at run time: Celery's
   * `add_consumer` / `cancel_consumer`. The consumer is replaced by one on the new list; deliveries
   * already taken stay valid. Changes are applied one after another; no-op for a queue already
   * (or not) consumed, and before start / after stop only the list changes.
   */
  addQueue(queue: string, declaration?: QueueDeclaration): Promise<void>;
  cancelQueue(queue: string): Promise<void>;
}

/**
 * @example
 * const lifecycle = createLifecycle({ hostname, queues, broker, pipeline, gate, scheduler, ... });
 * await lifecycle.start();
 */
export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { hostname, queues, broker, backend, logger, pipeline, gate, scheduler, writer, shutdown } = options;
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  let consumer: Consumer | null = null;
  const consumed = [...queues];
  let held = 0;
  // Set once start() has its first consumer: from then on queue changes replace it.
  let consuming = false;
  // Queue changes one after another, so two at once cannot leave two consumers.
  let queueChange: Promise<void> = Promise.resolve();
  let idleWaiters: Array<() => void> = [];
  // Aborted by stop() while start() is still connecting, so a retry wait does not outlive the worker.
  const starting = new AbortController();

  const checkIdle = (): void => {
    if (gate.running > 0 || gate.waiting > 0 || scheduler.size > 0 || options.dedupe.pending > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  let stopping: Promise<void> | null = null;
  // The harshest mode asked for so far, and, while a stop waits for running tasks, how to cut the
  // wait short (then what still runs is cancelled).
  const SEVERITY = { warm: 0, soft: 1, cold: 2 } as const;
  let harshest: 'warm' | 'soft' | 'cold' = 'warm';
  let cut: (() => void) | null = null;
  let softTimer: unknown = null;

  /** Applies the harshest mode to a wait under way: soft arms its timer (once), cold cuts it now. */
  const apply = (): void => {
    if (cut === null) return;
    if (harshest === 'cold') cut();
    else if (harshest === 'soft' && softTimer === null) {
      const seconds = options.softShutdownTimeout;
      if (seconds > 0) logger.warn(`worker: Initiating Soft Shutdown, terminating in ${seconds} seconds`);
      const wait = cut;
      softTimer = options.clock.setTimeout(() => wait(), seconds * 1000);
    }
  };

  /** A harsher mode during a stop takes over, now or once the stop waits for running tasks. */
  const escalate = (mode: 'warm' | 'soft' | 'cold'): void => {
    if (SEVERITY[mode] <= SEVERITY[harshest]) return;
    harshest = mode;
    apply();
  };

  /** Waits for running tasks until they settle or the wait is cut; then cancels what still runs. */
  const finishRunning = async (): Promise<void> => {
    if (gate.running > 0) {
      const wasCut = new Promise<void>((resolve) => (cut = resolve));
      apply();
      await Promise.race([gate.settledAll(), wasCut]);
      if (softTimer !== null) options.clock.clearTimeout(softTimer);
      cut = null;
    }
    if (options.running.size === 0) return;
    // As Celery's cold shutdown: running tasks see their signal abort, and their messages go back.
    shutdown.abort(new Error('worker stopped'));
    const cancelled = await options.running.cancelAll();
    logger.warn(`worker: ${harshest === 'cold' ? 'Cold' : 'Soft'} shutdown cancelled ${cancelled} running task(s); their messages went back to the queue`);
  };

  const stop = async (mode: 'warm' | 'soft' | 'cold'): Promise<void> => {
    harshest = mode;
    const wasRunning = state === 'running';
    state = 'stopping';
    if (wasRunning) await emitHook(options.hooks, 'workerShuttingDown', { hostname, mode }, logger);
    starting.abort(new ConnectionError(`worker ${hostname} was stopped while starting`));
    gate.close();
    await queueChange;
    await consumer?.cancel().catch(() => {});
    // A job whose lookup ends now is turned away (no longer accepting): requeued or acked as a duplicate.
    await options.dedupe.settled();
    await giveBack();
    // A task on its way to the broker's delay is acked (or given back) once the broker answered,
    // so the broker must stay open until then, whatever the mode: else it may run twice.
    const handOffs = options.handOffsSettled();
    await finishRunning();
    await handOffs;
    await options.control?.stop().catch(() => {});
    if (wasRunning) await writer?.flush().catch(() => {});
    if (options.ownsBroker) await broker.close();
    if (options.ownsBackend) await backend?.close();
    state = 'stopped';
    checkIdle();
    if (wasRunning) await emitHook(options.hooks, 'workerShutdown', { hostname }, logger);
  };

  /** Applies a change of the queue list, then replaces the consumer if the worker consumes. */
  const changeQueues = (change: () => Promise<boolean>): Promise<void> => {
    const next = queueChange.then(async () => {
      if (!(await change()) || state !== 'running' || !consuming) return;
      const previous = consumer;
      consumer = consumed.length === 0 ? null : await broker.consume(consumed, pipeline.onDelivery, { prefetch: options.prefetch + held, onMalformed: pipeline.onMalformed });
      await previous?.cancel();
      // Stopped meanwhile: the stop cancelled the previous consumer, not this one.
      if (state !== 'running') await consumer?.cancel().catch(() => {});
    });
    queueChange = next.catch(() => {});
    return next;
  };

  // Messages not started (waiting for a slot or for their ETA) go back to the queue for another worker.
  const giveBack = async (): Promise<void> => {
    const held = [...gate.takeWaiting(), ...scheduler.releaseAll()];
    await Promise.all(held.map((job) => options.redelivery.giveBack(job.delivery)));
  };

  return {
    get accepting() {
      return state === 'running';
    },
    checkIdle,
    widenPrefetch(widening) {
      held = widening;
      consumer?.setPrefetch(options.prefetch + held);
    },
    get prefetchCount() {
      return options.prefetch + held;
    },
    get queues() {
      return consumed;
    },
    addQueue(queue, declaration = {}) {
      return changeQueues(async () => {
        if (consumed.includes(queue)) return false;
        if (state === 'running') await broker.declareQueue(queue, declaration);
        consumed.push(queue);
        return true;
      });
    },
    cancelQueue(queue) {
      return changeQueues(() => {
        const index = consumed.indexOf(queue);
        if (index === -1) return Promise.resolve(false);
        consumed.splice(index, 1);
        return Promise.resolve(true);
      });
    },
    async start() {
      if (state !== 'new') throw new Error(`worker ${hostname} was already started`);
      state = 'running';
      let failing: 'broker' | 'backend' = 'broker';
      const attempt = async (): Promise<void> => {
        failing = 'broker';
        await broker.connect();
        failing = 'backend';
        await backend?.connect();
        failing = 'broker';
        for (const queue of consumed) await broker.declareQueue(queue, options.queueOptions?.[queue] ?? {});
        await options.control?.start();
        const started = await broker.consume(consumed, pipeline.onDelivery, { prefetch: options.prefetch, onMalformed: pipeline.onMalformed });
        if (starting.signal.aborted) {
          await started.cancel().catch(() => {});
          throw starting.signal.reason;
        }
        consumer = started;
        consuming = true;
      };
      try {
        await connectWithRetry(attempt, () => (failing === 'backend' ? options.backendLabel : options.brokerLabel), { ...options.connectRetry, logger, signal: starting.signal });
      } catch (error) {
        // Never leave a half-started worker: what it owns is closed, so a failed start lets the
        // process exit (an owned broker would otherwise go on reconnecting in the background).
        if (state === 'running') {
          state = 'stopped';
          gate.close();
          if (options.ownsBroker) await broker.close().catch(() => {});
          if (options.ownsBackend) await backend?.close().catch(() => {});
        }
        throw error;
      }
      logger.info(`${hostname} ready.`);
      await emitHook(options.hooks, 'workerReady', { hostname }, logger);
    },
    stop(request = {}) {
      const mode = request.force ? 'cold' : (request.mode ?? 'warm');
      if (stopping !== null) {
        escalate(mode);
        return stopping;
      }
      if (state === 'stopped') return Promise.resolve();
      stopping = stop(mode);
      return stopping;
    },
    async idle() {
      await new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      });
      // Tasks let their slot go before their result is written; idle means written too.
      await writer?.flush();
    },
  };
}
