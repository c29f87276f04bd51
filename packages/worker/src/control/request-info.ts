/**
 * A job as Celery's `Request.info()` shows it in `inspect active` / `reserved` / `scheduled` /
 * `query_task` replies.
 */
import type { TaskRequestInfo } from '@celerity/core';
import type { Job } from '../delivery-pipeline.js';

/** Celery's `Request.info()`. */
export type RequestInfo = TaskRequestInfo;

/** What {@link requestInfo} needs besides the job. */
export interface RequestInfoContext {
  hostname: string;
  /** ms since the epoch, or null while not started. */
  started: number | null;
  acknowledged: boolean;
  workerPid: number | null;
  /** Celery's `safe=True`: the `argsrepr` / `kwargsrepr` strings instead of the values. */
  safe?: boolean;
}

export function requestInfo(job: Job, context: RequestInfoContext): RequestInfo {
  const { message, delivery } = job;
  return {
    id: message.id,
    name: message.task,
    args: context.safe && message.argsrepr !== null ? message.argsrepr : message.args,
    kwargs: context.safe && message.kwargsrepr !== null ? message.kwargsrepr : message.kwargs,
    type: message.task,
    hostname: context.hostname,
    time_start: context.started === null ? null : context.started / 1000,
    acknowledged: context.acknowledged,
    delivery_info: { exchange: delivery.exchange, routing_key: delivery.routingKey, priority: message.priority, redelivered: delivery.redelivered },
    worker_pid: context.workerPid,
  };
}
