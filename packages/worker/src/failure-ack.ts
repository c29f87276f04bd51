/**
 * What happens to the message of a task acked late that failed, as Celery 5.5 decides it
 * (`Request.on_failure` / `on_timeout`): `rejectOnWorkerLost` (`task_reject_on_worker_lost`) and
 * `acksOnFailureOrTimeout` (`task_acks_on_failure_or_timeout`).
 */
import type { ExceptionInfo } from '@celerity/core';

/** The two settings, worker-wide. */
export interface FailurePolicy {
  /** A task whose pool child died under it goes back to the queue, no FAILURE stored. @default false */
  rejectOnWorkerLost: boolean;
  /** Ack failed and timed-out tasks; false: a time limit requeues, other failures are rejected. @default true */
  acksOnFailureOrTimeout: boolean;
}

/** `ack`; `requeue` (reject, back to the queue); `drop` (reject without requeue: dead-lettered where the queue has one). */
export type FailureDisposition = 'ack' | 'requeue' | 'drop';

function isBilliard(exception: ExceptionInfo, type: string): boolean {
  return exception.exc_type === type && (exception.exc_module === 'billiard.exceptions' || exception.exc_module === 'celery.exceptions');
}

/**
 * @returns what to do with the message, and whether FAILURE is stored first (not for a lost
 * worker's task going back to the queue: it will run again).
 */
export function failureDisposition(exception: ExceptionInfo, policy: FailurePolicy): { disposition: FailureDisposition; store: boolean } {
  const workerLost = isBilliard(exception, 'WorkerLostError');
  if (policy.rejectOnWorkerLost && workerLost) return { disposition: 'requeue', store: false };
  // Celery stores the time limit's FAILURE when it passes (on_timeout), then requeues the message.
  if (isBilliard(exception, 'TimeLimitExceeded') && !policy.acksOnFailureOrTimeout) return { disposition: 'requeue', store: true };
  return { disposition: policy.acksOnFailureOrTimeout ? 'ack' : 'drop', store: true };
}
