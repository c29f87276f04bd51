/**
 * Sends a control request and collects the replies for a while: what `app.control.broadcast(…,
 * reply=True)` does in Celery. The reply queue is consumed before the request goes out, replies
 * carrying another request's ticket are ignored.
 */
import type { Broker, Subscription } from '../broker.js';
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
  // The signal bounds the whole call: a subscribe or a publish on a connection that just died may not
  // settle for a long time, and a caller that gives up (a stopping worker) must not wait for it. The
  // timeout counts from the moment the reply queue is ready, so a connection error still surfaces.
  const aborted = new Promise<null>((resolve) => {
    options.signal?.addEventListener('abort', () => resolve(null), { once: true });
    if (options.signal?.aborted) resolve(null);
  });
  aborted.then(done, () => undefined);
  const ended = finished.then(() => null);
  const subscribing = consumeControlReplies(broker, CONTROL_REPLY_EXCHANGE, options.oid, ({ envelope }) => {
    try {
      const reply = decodeControlReply(envelope);
      if (reply.ticket !== ticket) return;
      replies.push(reply);
      if (options.limit !== undefined && replies.length >= options.limit) done();
    } catch (error) {
      options.logger.warn(`Ignored a control reply: ${(error as Error).message}`);
    }
  });
  let subscription: Subscription | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    subscription = await Promise.race([subscribing, aborted]);
    if (subscription === null) {
      // Ended before the reply queue was ready: it is given up whenever the subscribe settles.
      void subscribing.then((late) => late.unsubscribe()).catch(() => undefined);
      return replies;
    }
    timer = setTimeout(done, options.timeout);
    const full = { ...request, ticket, replyTo: { exchange: CONTROL_REPLY_EXCHANGE, routingKey: options.oid } };
    const sent = broker.broadcast(CONTROL_EXCHANGE, '', encodeControlRequest(full, { now: Date.now(), timeout: options.timeout }));
    sent.catch(() => undefined); // a failure after the wait ended is nobody's to report
    await Promise.race([sent, ended]);
    await finished;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    // Awaited: the next call with the same oid must not find this one still subscribed. Not past the
    // caller giving up (its connection may be gone), as above.
    const current = subscription;
    if (current !== null) {
      const leaving = current.unsubscribe().catch(() => undefined);
      await Promise.race([leaving, aborted]);
    }
  }
  return replies;
}
