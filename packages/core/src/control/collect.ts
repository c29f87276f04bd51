/**
 * Sends a control request and collects the replies for a while: what `app.control.broadcast(…,
 * reply=True)` does in Celery. The reply queue is consumed before the request goes out, replies
 * carrying another request's ticket are ignored.
 */
import type { Broker } from '../broker.js';
import type { Logger } from '../logger.js';
import type { ControlReply, ControlRequest } from './messages.js';
import { CONTROL_EXCHANGE, CONTROL_REPLY_EXCHANGE, decodeControlReply, encodeControlRequest } from './messages.js';
import { consumeControlReplies } from './transport.js';

/** Options of {@link collectControlReplies}. */
export interface CollectOptions {
  /** The caller's reply routing key (its `oid`). */
  oid: string;
  /** Milliseconds to collect replies for. */
  timeout: number;
  /** Stop once this many replies came. */
  limit?: number | undefined;
  logger: Logger;
  /** Stops collecting early: the replies so far are returned. */
  signal?: AbortSignal | undefined;
}

/**
 * @example
 * const replies = await collectControlReplies(broker, { method: 'ping', arguments: {}, destination: null, pattern: null, matcher: null }, { oid, timeout: 1000, logger });
 */
export async function collectControlReplies(broker: Broker, request: Omit<ControlRequest, 'ticket' | 'replyTo'>, options: CollectOptions): Promise<ControlReply[]> {
  const ticket = crypto.randomUUID();
  const replies: ControlReply[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const subscription = await consumeControlReplies(broker, CONTROL_REPLY_EXCHANGE, options.oid, ({ envelope }) => {
    try {
      const reply = decodeControlReply(envelope);
      if (reply.ticket !== ticket) return;
      replies.push(reply);
      if (options.limit !== undefined && replies.length >= options.limit) done();
    } catch (error) {
      options.logger.warn(`Ignored a control reply: ${(error as Error).message}`);
    }
  });
  const timer = setTimeout(done, options.timeout);
  options.signal?.addEventListener('abort', () => done(), { once: true });
  if (options.signal?.aborted) done();
  try {
    const full = { ...request, ticket, replyTo: { exchange: CONTROL_REPLY_EXCHANGE, routingKey: options.oid } };
    await broker.broadcast(CONTROL_EXCHANGE, '', encodeControlRequest(full, { now: Date.now(), timeout: options.timeout }));
    await finished;
  } finally {
    clearTimeout(timer);
    await subscription.unsubscribe().catch(() => undefined);
  }
  return replies;
}
