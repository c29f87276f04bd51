/**
 * The worker-wide settings every step of running a message reads (execute.ts and the outcomes it
 * hands off: retries, replacement, termination, events), in a file of their own so those steps do
 * not import the executor that calls them.
 */
import type { Delivery, TaskDefinition } from '@celerity/core';
import type { MessageTracing } from '@celerity/core/internal';
import type { BlockingBodies } from './blocking-bodies.js';
import type { FailurePolicy } from './failure-ack.js';
import type { FollowupContext } from './followups.js';
import type { ChildPool } from './pool/child-pool.js';
import type { ResultWriter } from './result-writer.js';
import type { RunningTasks } from './running-tasks.js';
import type { TaskObserver } from './task-observer.js';
import type { TaskEvents } from './events/task-events.js';

/** Worker-wide settings the executor reads. */
export interface ExecutionContext extends FollowupContext {
  hostname: string;
  writer: ResultWriter | null;
  trackStarted: boolean;
  acksLate: boolean;
  resultExtended: boolean;
  /** Aborted on a forced shutdown. */
  signal: AbortSignal;
  /** Told when a task's outcome could not be stored (the redelivery policy keeps it as the last error). */
  storeFailed?: (taskId: string, error: unknown) => void;
  /** Which task bodies block the event loop, and the acks-late runs finishing (blocking-bodies.ts). */
  blocking?: BlockingBodies;
  /**
   * Deliveries of runs cancelled by a shutdown (running-jobs.ts): their outcome is neither stored nor
   * acked, as their message went back to the queue. Created at the first cancel.
   */
  cancelled?: WeakSet<Delivery>;
  /** Whether a task hook (prerun, postrun, success, failure, retry) is set; false skips them all. */
  taskHooks?: boolean;
  /** Runs in progress, by task id, for revoke with terminate (running-tasks.ts). */
  running?: RunningTasks;
  /** The thread or process pool running task bodies; absent for the async pool (bodies run here). */
  pool?: ChildPool;
  /** Tasks that run in this process even with a pool: they need its result backend (`celery.chord_unlock`). */
  inProcess?: ReadonlySet<TaskDefinition>;
  /** `[hard, soft]` seconds when neither message nor task gives a limit. */
  defaultTimeLimit?: readonly [number | null, number | null];
  /** What a late-acked failure does to its message; absent = Celery's defaults (ack, FAILURE stored). */
  failurePolicy?: FailurePolicy;
  /** Metrics and traces watching task lifecycles (task-observer.ts); absent when none is set. */
  observer?: TaskObserver;
  /** OpenTelemetry consumer spans (`@opentelemetry/api` installed and tracing on); absent otherwise. */
  tracing?: MessageTracing;
  /** Celery task events; sent only while `events.on` (events/task-events.ts). */
  events?: TaskEvents;
}
