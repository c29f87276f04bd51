/**
 * Which task state each of Celery's task events stands for — what Celery's `events.state.State` and
 * Flower show — read the same way by `celerity events` and the dashboard.
 */

/** Task event type → Celery state name (`task-sent` is PENDING: sent, not yet received). */
export const TASK_EVENT_STATES: Readonly<Record<string, string>> = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-succeeded': 'SUCCESS',
  'task-failed': 'FAILURE',
  'task-retried': 'RETRY',
  'task-rejected': 'REJECTED',
  'task-revoked': 'REVOKED',
};

/** The states a task ends in: an event of an earlier state heard late does not replace them. */
export const READY_TASK_STATES: ReadonlySet<string> = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);
