/**
 * The request a result is stored with (Celery passes `request` to its backends): the reply queue
 * and correlation id of the message the worker holds, so a reply-queue backend (`rpc://`) can send
 * the result to the caller without remembering anything about deliveries.
 */
import type { Envelope, ResultRequest, TaskMessage } from '@celerity/core';

/**
 * The request of a decoded message, or of the raw envelope when the message could not be decoded;
 * undefined when neither names a reply queue or correlation id (most Redis traffic), so the hot
 * path allocates nothing for it.
 */
export function resultRequestOf(message: Pick<TaskMessage, 'replyTo' | 'correlationId'> | null, envelope?: Envelope): ResultRequest | undefined {
  const replyTo = message?.replyTo ?? envelope?.properties.replyTo ?? null;
  const correlationId = message?.correlationId ?? envelope?.properties.correlationId ?? null;
  if (replyTo === null && correlationId === null) return undefined;
  const request: ResultRequest = {};
  if (replyTo !== null) request.replyTo = replyTo;
  if (correlationId !== null) request.correlationId = correlationId;
  return request;
}
