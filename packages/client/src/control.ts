/**
 * The client side of Celery's remote control (`app.control`): requests broadcast on
 * `celery.pidbox`, replies collected from a private reply queue for a while. What Python's
 * `app.control.revoke` / `ping` send, so Celery and Celerity workers both answer.
 */
import type { Broker, ControlReply, Logger } from '@celerity/core';
import { ConfigurationError, DEFAULT_REVOKE_EXPIRES } from '@celerity/core';
import {
  CONTROL_EXCHANGE,
  CONTROL_REPLY_EXCHANGE,
  consumeControlReplies,
  decodeControlReply,
  encodeControlRequest,
  revokeArguments,
} from '@celerity/core/internal';

/** Options of {@link Control.revoke} (Celery's `app.control.revoke`). */
export interface RevokeOptions {
  /** Also stop the task if it is running (async pool: its `ctx.signal` aborts; Celery's prefork pool: the child gets `signal`). @default false */
  terminate?: boolean;
  /** Signal name for `terminate`, as Celery reads it. @default 'SIGTERM' */
  signal?: string;
}

/** Options of a request that collects replies. */
export interface ControlCallOptions {
  /** Seconds to collect replies for. @default 1 */
  timeout?: number;
  /** Only these worker hostnames answer. @default every worker */
  destination?: readonly string[];
  /** Stop collecting after this many replies. */
  limit?: number;
}

/** Remote control of the workers, through the broker. */
export interface Control {
  /**
   * Revokes tasks: every worker skips them (and, with `terminate`, stops them if running), and the
   * ids are kept in the broker's durable revoke store (`broker.revocations`, 3 h) so workers that
   * start later skip them too. Does not wait for replies, as Celery's `revoke`. When the store
   * fails, the broadcast is still sent and the store's error is thrown after it.
   */
  revoke(ids: string | readonly string[], options?: RevokeOptions): Promise<void>;
  /** Celery's `ping`: each worker's reply, as `{hostname: {ok: 'pong'}}` items. */
  ping(options?: ControlCallOptions): Promise<Array<Record<string, unknown>>>;
  /** Sends any control command and collects the replies (`{hostname: reply}` items). */
  call(method: string, args?: Record<string, unknown>, options?: ControlCallOptions): Promise<Array<Record<string, unknown>>>;
}

/** @example const control = createControl(broker, logger, client.appId); await control.ping({ timeout: 1 }); */
export function createControl(broker: Broker, logger: Logger, oid: string): Control {
  const call = async (method: string, args: Record<string, unknown> = {}, options: ControlCallOptions = {}): Promise<Array<Record<string, unknown>>> => {
    const timeout = options.timeout ?? 1;
    if (!(timeout > 0)) throw new ConfigurationError(`timeout must be a number of seconds > 0, got ${String(timeout)}`);
    const ticket = crypto.randomUUID();
    const replies: ControlReply[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const subscription = await consumeControlReplies(broker, CONTROL_REPLY_EXCHANGE, oid, ({ envelope }) => {
      try {
        const reply = decodeControlReply(envelope);
        if (reply.ticket !== ticket) return;
        replies.push(reply);
        if (options.limit !== undefined && replies.length >= options.limit) done();
      } catch (error) {
        logger.warn(`Ignored a control reply: ${(error as Error).message}`);
      }
    });
    const timer = setTimeout(done, timeout * 1000);
    try {
      const request = { method, arguments: args, destination: options.destination ?? null, pattern: null, matcher: null, ticket, replyTo: { exchange: CONTROL_REPLY_EXCHANGE, routingKey: oid } };
      await broker.broadcast(CONTROL_EXCHANGE, '', encodeControlRequest(request, { now: Date.now(), timeout: timeout * 1000 }));
      await finished;
    } finally {
      clearTimeout(timer);
      await subscription.unsubscribe().catch(() => undefined);
    }
    return replies.map((reply) => ({ [reply.hostname]: reply.result }));
  };

  return {
    async revoke(ids, options = {}) {
      const list = typeof ids === 'string' ? [ids] : [...ids];
      if (list.length === 0) return;
      // Stored first, so a worker starting meanwhile finds it; broadcast even when storing failed,
      // so running workers still hear it, then report the failure.
      let unstored: unknown;
      if (broker.revocations) await broker.revocations.add(list, Date.now() + DEFAULT_REVOKE_EXPIRES * 1000).catch((error: unknown) => (unstored = error));
      const request = { method: 'revoke', arguments: revokeArguments(list, options), destination: null, pattern: null, matcher: null };
      await broker.broadcast(CONTROL_EXCHANGE, '', encodeControlRequest(request, { now: Date.now() }));
      if (unstored !== undefined) throw unstored;
    },
    ping: (options) => call('ping', {}, options),
    call,
  };
}
