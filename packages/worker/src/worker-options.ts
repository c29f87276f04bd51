/** The options and the public face of a worker. */
import type { Adapter, Broker, Clock, Logger, QueueDeclaration, ResultBackend, Serializer, TaskCollection, TaskDefinition } from '@celerity/core';
import type { WorkerStats } from './worker-stats.js';
import type { AutoscaleOptions, PoolName } from './pool/pool-config.js';
import type { EventLoopLag } from './pool/event-loop-lag.js';

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

/** A running (or stopped) worker. */
export interface Worker extends AsyncDisposable {
  readonly hostname: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly tasks: ReadonlyMap<string, TaskDefinition>;
  readonly broker: Broker;
  readonly backend: ResultBackend | null;
  readonly stats: Readonly<WorkerStats>;
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
   * Stops consuming and waits for running tasks (warm shutdown); messages not started go back to
   * the queue. With `force`, running tasks are abandoned and their messages redelivered later.
   * Either way it waits, up to 30 s, for the broker's answer about ETA tasks on their way to its
   * delay (`etaHoldLimit`), so that each is acked or given back before the broker closes.
   */
  stop(options?: { force?: boolean }): Promise<void>;
  /** Resolves when nothing is running, waiting or scheduled. */
  idle(): Promise<void>;
}
