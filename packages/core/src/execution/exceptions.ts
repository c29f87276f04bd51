/**
 * Errors that must reach Python under a specific class name and module (Celery's exception
 * dict), e.g. `billiard.exceptions.TimeLimitExceeded` or `celery.exceptions.NotRegistered`.
 */
import type { ExceptionInfo } from '../backend.js';
import { TaskError } from '../errors.js';
import { errorToExceptionInfo } from '../protocol/exceptions.js';

/** An error that names its Python exception class explicitly. */
export class CeleryException extends Error {
  readonly excType: string;
  readonly excModule: string;
  readonly excArgs: unknown[];
  constructor(excType: string, excModule: string, excArgs: unknown[] = []) {
    super(excArgs.length > 0 ? excArgs.map(String).join(', ') : excType);
    this.name = excType;
    this.excType = excType;
    this.excModule = excModule;
    this.excArgs = excArgs;
  }
}

/** The soft time limit passed: `ctx.signal` is aborted with this reason. */
export class SoftTimeLimitExceeded extends CeleryException {
  constructor() {
    super('SoftTimeLimitExceeded', 'billiard.exceptions', []);
  }
}

/** The hard time limit passed: the run is abandoned. */
export class TimeLimitExceeded extends CeleryException {
  constructor(limitSeconds: number) {
    super('TimeLimitExceeded', 'billiard.exceptions', [limitSeconds]);
  }
}

/**
 * The task was revoked (Celery's `celery.exceptions.TaskRevokedError`): the reason is `revoked`,
 * `expired` or `terminated`, as Celery stores it. A terminated async task's `ctx.signal` aborts
 * with it.
 */
export class TaskRevokedError extends CeleryException {
  constructor(reason: 'revoked' | 'expired' | 'terminated') {
    super('TaskRevokedError', 'celery.exceptions', [reason]);
  }
}

/**
 * Celery's exception dict for any thrown value: explicit Python classes keep theirs, a remote
 * `TaskError` re-raised by a task keeps the remote type, anything else is mapped by name.
 */
export function exceptionInfoOf(error: unknown): ExceptionInfo {
  if (error instanceof CeleryException) return { exc_type: error.excType, exc_message: error.excArgs, exc_module: error.excModule };
  if (error instanceof TaskError) return { exc_type: error.excType, exc_message: error.excMessage, exc_module: error.excModule };
  return errorToExceptionInfo(error);
}
