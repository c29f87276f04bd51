/** The options and the public face of a worker. */
import type { Adapter, Broker, CelerityConfig, Clock, Hooks, Logger, QueueDeclaration, RateLimit, ResultBackend, Serializer, TaskCollection, TaskDefinition, TaskRoutes } from '@celerity/core';
import type { RateLimitsOptions } from './rate-limits.js';
import type { RevokedTasks } from './revoked-set.js';
import type { WorkerStats } from './worker-stats.js';
import type { AutoscaleOptions, PoolName } from './pool/pool-config.js';
import type { EventLoopLag } from './pool/event-loop-lag.js';
import type { TaskObserver } from './task-observer.js';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /**
   * The app-level configuration (Celery's settings, from `defineConfig` / `loadConfig`): each setting
   * fills the option it maps to (`taskAcksLate` → `acksLate`, `workerConcurrency` → `concurrency`…);
   * an option given here too wins.
   * @example createWorker({ tasks, config: loadConfig({ env: process.env }) })
   */
  config?: CelerityConfig;
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
  /** Queues to consume. @default [defaultQueue] */
  queues?: readonly string[];
  /**
   * Celery's `task_default_queue`: where the worker sends follow-ups (callbacks, chain steps, chord
   * bodies) of tasks that no option, definition or route sends elsewhere.
   * @default the first of `queues`, else 'celery'
   */
  defaultQueue?: string;
  /**
   * Celery's `task_routes`, for the follow-ups the worker sends (retries go back where their message
   * came from, as in Celery).
   * @example createWorker({ tasks, taskRoutes: { 'images.*': 'images' } })
   */
  taskRoutes?: TaskRoutes;
  /**
   * How each queue is declared, by name (AMQP: `maxPriority`, `deadLetterExchange`, `queueType`…).
   * Must match how other producers and workers declare it, or RabbitMQ refuses the declaration.
   * @example { tasks: { maxPriority: 10 }, jobs: { deadLetterExchange: 'dlx' } }
   */
  queueOptions?: Readonly<Record<string, QueueDeclaration>>;
  /** Tasks running at once. @default 10 */
  concurrency?: number;
  /**
   * Messages held unacked (running + waiting); wins over `prefetchMultiplier`. On RabbitMQ the window
   * is per queue consumed (per-consumer QoS; RabbitMQ 4.3 refuses global QoS): a worker consuming N
   * queues holds up to N × this, as a Celery worker on quorum queues does.
   * @default concurrency × prefetchMultiplier
   */
  prefetch?: number;
  /**
   * Celery's `worker_prefetch_multiplier`: the prefetch window is `concurrency × prefetchMultiplier`;
   * 0 takes as many messages as the broker gives (no window, as Celery's 0).
   * @default 4
   */
  prefetchMultiplier?: number;
  /**
   * Celery 5.5's `worker_soft_shutdown_timeout`: seconds a soft shutdown (`stop({ mode: 'soft' })`,
   * and a cold one, as in Celery) lets running tasks finish before their messages are requeued.
   * @default 0 (no waiting: a cold shutdown requeues running tasks at once)
   */
  softShutdownTimeout?: number;
  /** Hooks (Celery's signals): see `Hooks` in `@celerity/core`. Errors in hooks are logged, never fatal. */
  hooks?: Hooks;
  /**
   * Celery's `result_expires`: seconds results live, passed as `expires` to a backend created from a
   * URL (unless `backendOptions` sets it). Redis: 0 = forever.
   * @default the backend's own (1 day)
   */
  resultExpires?: number;
  /**
   * Most ETA / countdown tasks held at once (Celery 5.6's `worker_eta_task_limit`). Once the worker
   * holds this many it takes nothing more from the broker until one is due; like Celery, it also caps
   * the prefetch window (every message held unacked, ETA or not) at this number.
   * @default undefined (unbounded, as in Celery)
   * @example createWorker({ tasks, etaTaskLimit: 1000 })
   */
  etaTaskLimit?: number;
  /**
   * Longest time, in seconds, the worker holds an ETA / countdown task unacked, on brokers that can
   * delay messages themselves (AMQP; Redis and memory always hold, Redis keeps held messages from
   * being restored). RabbitMQ closes a channel whose delivery stays unacked past its
   * `consumer_timeout` (30 min by default) and redelivers all it held, so a task whose ETA is further
   * away than this is republished unchanged (ETA header included) into Celery 5.5's native delayed
   * delivery queues (`celery_delayed_*`), and acked once RabbitMQ confirmed it. It comes back to its
   * queue about 2 s before its ETA and is held the rest of the way. 0 or `Infinity` holds every ETA
   * task however far, as before. Keep it well below `consumer_timeout`: with `acksLate` a task's run
   * time counts too.
   * @default 900 (15 min, half of RabbitMQ's default consumer_timeout)
   * @example createWorker({ broker: 'amqp://…', tasks, etaHoldLimit: 300 })
   */
  etaHoldLimit?: number;
  /**
   * Most deliveries of one message that may end without an outcome — its worker died running it, or
   * nothing could be recorded (e.g. the result backend refused the store) — before the next
   * delivery is not run but moved to the broker's dead-letter queue (`broker.deadLetters`, listed by
   * `celerity dlq`) with the reason, FAILURE (`celery.exceptions.MaxDeliveriesExceeded`) is stored
   * for its task id, and the message is acked. Deliveries are counted by the broker where it can
   * (RabbitMQ quorum queues), elsewhere in the message's `celerity_deliveries` header: a redelivered
   * message is replaced by a copy carrying its count, and the copy runs. Messages the worker gives
   * back without starting them (stopping, ETA tasks held) are not counted. `0` counts nothing:
   * redelivered messages run however often they come back. A broker without dead-letter queues gets
   * the message rejected without requeue instead (after FAILURE is stored).
   * @default 5
   * @example createWorker({ tasks, acksLate: true, maxDeliveries: 3 })
   */
  maxDeliveries?: number;
  /** Node name in results and logs. @default `celerity@<hostname>` */
  hostname?: string;
  /** Where the worker logs. @default silentLogger */
  logger?: Logger;
  /**
   * Told of each task's lifecycle (received, started, succeeded, failed, retried, revoked,
   * rejected), synchronously: what metrics (`@celerity/metrics`) count. Not Celery's signals — see `hooks`.
   * @example createWorker({ tasks, observers: [metrics.observer] })
   */
  observers?: readonly TaskObserver[];
  /**
   * OpenTelemetry: a CONSUMER span `run/<task>` around each run, child of the `traceparent` header
   * the sender put in the message, when `@opentelemetry/api` is installed (and an SDK records).
   * `false` turns it off.
   * @default true
   */
  tracing?: boolean;
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
  /**
   * Celery's `worker_deduplicate_successful_tasks`: a redelivered message of a task acked late
   * (`acksLate` or the task's own `acksLate`) whose stored state in a persistent result backend is
   * already SUCCESS is acked and not run again (its worker died or lost its lease between storing
   * the result and acking). Costs one backend lookup per redelivered message, none for first
   * deliveries; counted in `stats.deduplicated`. No effect without acks late, or with a
   * non-persistent backend (`rpc://`) or none.
   * @default true (Celery's default is off)
   * @example createWorker({ tasks, acksLate: true, deduplicateSuccessfulTasks: false }) // always run redeliveries
   */
  deduplicateSuccessfulTasks?: boolean;
  /** Store name, args, kwargs, worker, retries, queue in results (`result_extended`). @default false */
  resultExtended?: boolean;
  /** Options for URL-created brokers (e.g. `{ visibilityTimeout: 10 }`). */
  brokerOptions?: Record<string, unknown>;
  /** Options for URL-created backends. */
  backendOptions?: Record<string, unknown>;
  /**
   * Wall clock and timers for everything the worker does by time: holding ETA tasks, discarding
   * expired ones, retry ETAs, time limits and `date_done`. Tests pass a fake one to run all of it
   * without sleeping.
   * @default systemClock (`Date.now` and Node's timers)
   * @example createWorker({ tasks, clock: fakeClock }) // a test then moves `fakeClock` on past the ETA
   */
  clock?: Clock;
  /**
   * How often `start()` tries again when the broker or backend cannot be reached (Celery's
   * `broker_connection_max_retries`; 0 is `broker_connection_retry_on_startup = False`,
   * `Infinity` retries for ever). Each failed attempt logs one line; when none is left, `start()`
   * rejects with a `ConnectionError`. Authentication and configuration errors (a wrong password, a
   * missing vhost) are never retried: `start()` rejects with a `ConfigurationError` at once.
   * @default 100
   */
  connectRetries?: number;
  /**
   * Milliseconds before the first start-up retry; each further retry waits this much longer, up
   * to `connectRetryMaxDelay` (kombu's `ensure_connection`: 2 s, 4 s, 6 s… 30 s).
   * @default 2000
   */
  connectRetryDelay?: number;
  /** Longest wait between two start-up attempts, in milliseconds. @default 30000 */
  connectRetryMaxDelay?: number;
  /**
   * Rate limit of every task that has no `rateLimit` of its own (Celery's
   * `task_default_rate_limit`): `'10/s'`, `'100/m'`, `'1000/h'` or a number per second. Its scope is
   * `rateLimits.scope`. A bad value throws `ConfigurationError` from `createWorker`.
   * @default undefined (none)
   * @example createWorker({ tasks, defaultRateLimit: '100/s' })
   */
  defaultRateLimit?: RateLimit;
  /**
   * Where rate limits are counted. Tasks whose limit is cluster-wide (`rateLimitScope: 'cluster'`,
   * or `scope: 'cluster'` here) share one bucket per task name among every worker on the same
   * store: the broker's (a Redis key `_celerity.ratelimit.<task>` under the key prefix; the memory
   * hub) or `limiter`. `createWorker` throws `ConfigurationError` when a task needs one and there is
   * none (AMQP without `limiter`). Held jobs stay unacked: on RabbitMQ keep the longest wait
   * (held jobs / rate) below its `consumer_timeout`.
   * @example createWorker({ broker: 'redis://…', tasks, rateLimits: { scope: 'cluster' } })
   */
  rateLimits?: RateLimitsOptions;
  /**
   * Answer Celery's remote control (`celery inspect …` / `celery control …`, `app.control`,
   * `client.control`, `client.revoke`) through the broker's `celery.pidbox` broadcast; at start the
   * worker pings its own name and logs Celery's `DuplicateNodenameWarning` when another worker
   * answers too. Off, the worker hears no revoke, though it still skips the ids in the broker's
   * durable revoke store as loaded at start.
   * @default true
   */
  control?: boolean;
  /**
   * Send Celery's task events (Celery's `-E` / `worker_send_task_events`) on the broker's
   * `celeryev` exchange, for `celery events`, Flower and `celerity events`: received, started,
   * succeeded, failed, retried, rejected, revoked, batched as `task.multi` lists. The
   * `enable_events` / `disable_events` control commands switch them at run time. Worker events
   * (`worker-online`, a `worker-heartbeat` every 2 s, `worker-offline`) are sent either way, as
   * Celery does, unless {@link withoutHeartbeat}.
   * @default false
   */
  eventsEnabled?: boolean;
  /**
   * Send no `worker-online`, `worker-heartbeat` or `worker-offline` event (Celery's
   * `--without-heartbeat`). Task events are not affected.
   * @default false
   */
  withoutHeartbeat?: boolean;
  /**
   * Seconds a revoke is kept: in the worker's revoked set, and in the broker's durable store
   * (`broker.revocations`: a Redis sorted set, a RabbitMQ stream, in memory) that workers load when
   * they start, so a task revoked while no worker ran is still skipped. Celery keeps revokes 3 h, in
   * each worker's memory only.
   * @default 10800
   */
  revokedExpires?: number;
  /**
   * Where task bodies run (Celery's `-P`). `async`: on the worker's event loop, `concurrency` at
   * once; a synchronous (CPU-bound) body blocks everything else meanwhile and cannot be stopped by
   * a time limit. `threads` (`node:worker_threads`) and `processes` (`child_process.fork`):
   * `concurrency` children, each importing `tasksModule` and running one task at a time; arguments
   * and results cross as bytes of the message's serializer (JSON, or msgpack when the child finds
   * `@celerity/serializer-msgpack`, else JSON); a hard time limit kills and replaces the child.
   * CPU-bound work belongs in one of these.
   * @default 'async'
   * @example createWorker({ tasks, tasksModule: new URL('./tasks.js', import.meta.url).pathname, pool: 'processes', concurrency: 4 })
   */
  pool?: PoolName;
  /** Path of the module exporting the tasks, imported by each child of the threads / processes pool (the CLI passes `-A`). */
  tasksModule?: string;
  /** Worker-wide hard time limit, seconds, for tasks whose message and options give none (Celery's `task_time_limit`). */
  timeLimit?: number;
  /** Worker-wide soft time limit, seconds, for tasks whose message and options give none (`task_soft_time_limit`). */
  softTimeLimit?: number;
  /** Threads / processes pool: a child is replaced after running this many tasks (`worker_max_tasks_per_child`). */
  maxTasksPerChild?: number;
  /**
   * Threads / processes pool: a child whose memory, read after each task, is above this many KiB
   * is replaced (`worker_max_memory_per_child`). A process child reports its resident set size; a
   * thread reports its own V8 heap in use (threads share the process's resident set).
   */
  maxMemoryPerChild?: number;
  /**
   * Threads / processes pool: between `min` and `max` children (Celery's `--autoscale max,min`).
   * A task arriving when every child is busy starts one more, up to `max` (the concurrency is
   * `max`); a child above `min` idle for 30 s (the worker's clock) is let go. Replaces `concurrency`.
   */
  autoscale?: AutoscaleOptions;
  /**
   * With acks late: a task whose pool child died under it (not killed for a time limit) goes back
   * to the queue instead of FAILURE `WorkerLostError` being stored (`task_reject_on_worker_lost`).
   * A task that kills its child every time then comes back until `maxDeliveries` dead-letters it.
   * @default false
   */
  rejectOnWorkerLost?: boolean;
  /**
   * With acks late: ack the message of a task that failed or passed its hard time limit
   * (`task_acks_on_failure_or_timeout`). false: FAILURE is still stored, then a timed-out task's
   * message goes back to the queue and another failed task's message is rejected without requeue
   * (dead-lettered where the queue has a dead-letter exchange), as in Celery 5.5.
   * @default true
   */
  acksOnFailureOrTimeout?: boolean;
}

/** The pool of a worker, as seen from outside. */
export interface WorkerPool {
  readonly kind: PoolName;
  /** Children alive or starting (threads / processes); the concurrency for `async`. */
  readonly size: number;
  /** Process ids or thread ids of the children (empty for `async`). */
  readonly childIds: readonly number[];
  /**
   * Kills the child running task `taskId` with `signal` (a thread is terminated) and starts
   * another; its run ends as FAILURE `Terminated`. False when no child runs it (and always in the
   * async pool, where a body cannot be killed).
   */
  terminate(taskId: string, signal?: NodeJS.Signals): boolean;
}


/** Options of `worker.stop()`. */
export interface StopOptions {
  /** Celery 5.5's shutdown modes. @default 'warm' */
  mode?: 'warm' | 'soft' | 'cold';
  /** Kept for compatibility: `true` is `mode: 'cold'`. */
  force?: boolean;
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
  /**
   * Changes the rate limit of a task on this worker from now on, as Celery's `rate_limit` control
   * command (`null`, `0` or `''` = none; the task's `rateLimitScope` stays). Jobs already held see
   * the new limit at once. A cluster-wide limit is shared only if every worker uses the same rate:
   * change it on each. Throws `NotRegisteredError` for a task the worker does not know, and
   * `ConfigurationError` for a bad limit, or a cluster-wide one on a broker without shared buckets.
   * @example worker.setRateLimit('mail.send', '10/s')
   */
  setRateLimit(taskName: string, limit: RateLimit | null): void;
  /** The ids of revoked tasks this worker skips (heard, or loaded from the broker at start), until each revoke lapses. */
  readonly revoked: RevokedTasks;
  /** Whether task events are being sent now (`eventsEnabled`, switched by `enable_events` / `disable_events`). */
  readonly eventsEnabled: boolean;
  /** Where task bodies run. */
  readonly pool: WorkerPool;
  /**
   * How long the worker's event loop was held in the last second (while started): a window whose
   * largest delay reaches 500 ms is also logged as a warning.
   */
  readonly eventLoopLag: EventLoopLag;
  /** Connects, declares the queues and starts consuming. */
  start(): Promise<void>;
  /**
   * Stops as Celery 5.5 does. Every mode stops consuming and gives back the messages not started
   * (waiting for a slot or for their ETA).
   * - `'warm'` (default): waits for running tasks to finish.
   * - `'soft'`: waits up to `softShutdownTimeout` seconds, then cancels what still runs, as cold.
   * - `'cold'`: cancels running tasks at once: their `ctx.signal` aborts, RETRY is stored for them
   *   (Celery's `Retry('cancelled by Celery')`) and their messages go back to the queue — one acked
   *   early is published again unchanged, one still unacked (acks late) is rejected with requeue (a
   *   delivery that started, so it counts towards `maxDeliveries`). Whatever a cancelled body does
   *   afterwards is neither stored nor acked, and `stop()` does not wait for it.
   * `force: true` is `mode: 'cold'`. Either way it waits, up to 30 s, for the broker's answer about
   * ETA tasks on their way to its delay (`etaHoldLimit`), so that each is acked or given back
   * before the broker closes.
   */
  stop(options?: StopOptions): Promise<void>;
  /** Resolves when nothing is running, waiting or scheduled. */
  idle(): Promise<void>;
  /**
   * Resolves once the worker has stopped, whoever stopped it: `stop()`, or a remote `shutdown`
   * control command (`celery control shutdown`, `client.control.shutdown()`).
   */
  readonly stopped: Promise<void>;
}
