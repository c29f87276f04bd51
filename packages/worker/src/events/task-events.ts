/**
 * The moments of a task's life the worker reports as Celery task events (`celery/worker/request.py`,
 * `consumer.py`), with Celery's fields. The executor calls these only when {@link TaskEvents.on}
 * is true, so a worker without events pays one boolean check per moment.
 */
import type { ExceptionInfo, TaskMessage } from '@celerity/core';
import { formatCeleryDate, pythonRepr } from '@celerity/core/internal';
import type { EventDispatcher } from './event-dispatcher.js';
import { pushReceived, pushStarted, pushSucceeded } from './event-records.js';

/** How a revoked task ended (Celery's task-revoked fields). */
export interface RevokedFields {
  terminated: boolean;
  /** The signal number of a terminated run (15 for SIGTERM), null otherwise. */
  signum: number | null;
  expired: boolean;
}

/** Python's repr of a raised exception: `ValueError('boom')`. */
export function exceptionRepr(exception: ExceptionInfo): string {
  return `${exception.exc_type}(${exception.exc_message.map((part) => pythonRepr(part)).join(', ')})`;
}

// A date as Celery's ISO 8601 text, or null.
const dateOrNull = (date: Date | null): string | null => (date === null ? null : formatCeleryDate(date));

const SIGNALS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };

/** A signal name or number as Celery's `signum` field (a number; null when unknown). */
export function signalNumber(signal: string | number | null | undefined): number | null {
  if (typeof signal === 'number') return signal;
  if (typeof signal !== 'string') return null;
  const name = signal.toUpperCase();
  return SIGNALS[name.startsWith('SIG') ? name : `SIG${name}`] ?? null;
}

/** Task events of one worker; `on` is switched by `eventsEnabled` and `enable_events` / `disable_events`. */
export class TaskEvents {
  /** Whether task events are sent. */
  on: boolean;

  constructor(
    private readonly dispatcher: EventDispatcher,
    on: boolean,
  ) {
    this.on = on;
  }

  // The three events of every run are kept as records (event-records.ts): their JSON is written
  // when their list is published (list-publisher.ts).

  /** `task-received`: the message was taken, before any ETA wait. */
  received(message: TaskMessage): void {
    const d = this.dispatcher;
    pushReceived(
      d.records(),
      d.forwardClock(),
      d.now(),
      message.id,
      message.task,
      message.argsrepr ?? pythonRepr(message.args),
      message.kwargsrepr ?? pythonRepr(message.kwargs),
      message.rootId,
      message.parentId,
      message.retries,
      dateOrNull(message.eta),
      dateOrNull(message.expires),
    );
    d.buffered();
  }

  /** `task-started`: the body is about to run. */
  started(id: string): void {
    const d = this.dispatcher;
    pushStarted(d.records(), d.forwardClock(), d.now(), id);
    d.buffered();
  }

  /** `task-succeeded`: the result's repr and the runtime in seconds. */
  succeeded(id: string, result: unknown, runtime: number): void {
    const d = this.dispatcher;
    pushSucceeded(d.records(), d.forwardClock(), d.now(), id, pythonRepr(result), runtime);
    d.buffered();
  }

  /** `task-failed`; `traceback` is left out when there is none (as for NotRegistered). */
  failed(id: string, exception: ExceptionInfo, traceback: string | null): void {
    this.dispatcher.sendBuffered('task-failed', traceback === null ? { uuid: id, exception: exceptionRepr(exception) } : { uuid: id, exception: exceptionRepr(exception), traceback });
  }

  /** `task-retried`: the exception given to the retry (`None` without one, as Celery's repr of it). */
  retried(id: string, exception: ExceptionInfo | null, traceback: string | null): void {
    this.dispatcher.sendBuffered('task-retried', { uuid: id, exception: exception === null ? 'None' : exceptionRepr(exception), traceback: traceback ?? '' });
  }

  // Runs whose message was rejected: Celery sends task-rejected for them instead of task-failed.
  private readonly rejectedRuns = new Set<string>();

  /** `task-rejected`: the message of a run was rejected, requeued or not (no task-failed follows). */
  rejected(id: string, requeue: boolean): void {
    this.rejectedRuns.add(id);
    this.dispatcher.sendBuffered('task-rejected', { uuid: id, requeue });
  }

  /**
   * `task-rejected` with `requeue: false` for a message taken off its queue without a run: dead-lettered
   * after too many deliveries, or undecodable with its task id in the headers.
   */
  deadLettered(id: string): void {
    this.dispatcher.sendBuffered('task-rejected', { uuid: id, requeue: false });
  }

  /** Whether the run of `id` was reported as rejected (and forgets it). */
  wasRejected(id: string): boolean {
    return this.rejectedRuns.size > 0 && this.rejectedRuns.delete(id);
  }

  /** `task-revoked`: revoked before running, expired, or terminated while running. */
  revoked(id: string, fields: RevokedFields): void {
    this.dispatcher.sendBuffered('task-revoked', { uuid: id, terminated: fields.terminated, signum: fields.signum, expired: fields.expired });
  }
}
