/**
 * The one place where amqplib / RabbitMQ errors become Celerity errors. Like kombu, errors are
 * classified: connection errors (the socket went away, the server closed the connection, a
 * heartbeat was missed: retrying after a reconnect may help) versus channel errors (a declaration
 * that does not match the existing queue, a missing queue or exchange: retrying will not help).
 */
import { CelerityError, ConfigurationError, ConnectionError } from '@celerity/core';
import type { CelerityErrorOptions } from '@celerity/core';
import { tlsRefusal } from '@celerity/core/internal';

/** RabbitMQ refused an operation on a channel (AMQP reply codes 403, 404, 405, 406…). */
export class AmqpChannelError extends CelerityError {
  /** The AMQP reply code, e.g. 404 (NOT_FOUND), 406 (PRECONDITION_FAILED). */
  readonly replyCode: number;
  constructor(replyCode: number, message: string, options: CelerityErrorOptions = {}) {
    super('CHANNEL_ERROR', message, options);
    this.replyCode = replyCode;
  }
}

/** RabbitMQ answered a publish with `basic.nack`: it did not take the message (e.g. `x-overflow: reject-publish`). */
export class PublishNackedError extends CelerityError {
  constructor(message: string, options: CelerityErrorOptions = {}) {
    super('PUBLISH_NACKED', message, { retryable: true, ...options });
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_WRITE_AFTER_END']);
const CLOSED_MESSAGES = /channel closed|connection closed|channel ended|connection closing|channel closing|heartbeat timeout|socket closed|unexpected close|closed by (the )?server/i;
/** Reply codes that concern the whole connection (the server closes it). */
const CONNECTION_REPLY_CODES = new Set([320, 501, 502, 503, 504, 505, 506, 540, 541]);
/** Codes that mean "your settings are wrong": authentication, vhost access. */
const CONFIGURATION_REPLY_CODES = new Set([402, 403, 530]);

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  name?: unknown;
}

/** Whether an amqplib error means the connection (not the operation) failed, so a reconnect may help. */
export function isConnectionLoss(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as ErrorLike;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (typeof e.code === 'number' && CONNECTION_REPLY_CODES.has(e.code)) return true;
  if (typeof e.code === 'number' && e.code >= 400) return false;
  if (e.name === 'IllegalOperationError') return true;
  return typeof e.message === 'string' && CLOSED_MESSAGES.test(e.message);
}

/**
 * The deprecated feature RabbitMQ named when it closed the connection for using it (541
 * INTERNAL_ERROR, "Feature `transient_nonexcl_queues` is deprecated…"), else undefined.
 * @example deprecatedFeatureRefused(closeError) // 'transient_nonexcl_queues'
 */
export function deprecatedFeatureRefused(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as ErrorLike;
  if (e.code !== 541 || typeof e.message !== 'string') return undefined;
  return /Feature `(\w+)` is deprecated/.exec(e.message)?.[1];
}

const FEATURE_HINTS: Record<string, string> = {
  transient_nonexcl_queues: 'declare the queue durable (RabbitMQ 4.3 denies queues that are neither durable nor exclusive)',
};

/**
 * The error for an operation RabbitMQ refused by closing the connection, because it uses a
 * deprecated feature the server denies: retrying cannot help, so it is a `ConfigurationError`.
 */
export function featureRefusedError(feature: string, what: string, cause: unknown): ConfigurationError {
  const hint = FEATURE_HINTS[feature] ?? `the server denies it (rabbitmq.conf: deprecated_features.permit.${feature})`;
  return new ConfigurationError(`AMQP ${what} failed: RabbitMQ closed the connection because it uses the deprecated feature \`${feature}\`; ${hint}`, { cause });
}

/**
 * Maps an amqplib error to a Celerity error; `what` says what we were doing (`publish`, `declare`…).
 * Connection failures give a retryable `ConnectionError`; authentication / vhost failures and
 * refused TLS handshakes (untrusted or misnamed certificate, no client certificate) a
 * `ConfigurationError`; refused channel operations an {@link AmqpChannelError}; anything else a
 * `CelerityError` with code `BROKER_ERROR`. Celerity errors pass through unchanged.
 * @example
 * try { await channel.assertQueue(name, args); } catch (error) { throw mapAmqpError(error, `declare ${name}`); }
 */
export function mapAmqpError(error: unknown, what: string): CelerityError {
  if (error instanceof CelerityError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const detail = typeof e.message === 'string' ? e.message : String(error);
  const text = `AMQP ${what} failed: ${detail}`;
  // A TLS handshake refused over certificates fails the same way on every retry.
  const refusal = tlsRefusal(error);
  if (refusal !== undefined) return new ConfigurationError(`AMQP ${what} failed: ${refusal}`, { cause: error });
  if (typeof e.code === 'number' && CONFIGURATION_REPLY_CODES.has(e.code)) return new ConfigurationError(text, { cause: error });
  if (/ACCESS.REFUSED|NOT.ALLOWED|authentication|vhost .* not found/i.test(detail)) return new ConfigurationError(text, { cause: error });
  // amqplib's whole report when the server closes the connection instead of opening the vhost.
  if (/Expected ConnectionOpenOk; got <ConnectionClose/.test(detail)) {
    return new ConfigurationError(`AMQP ${what} failed: RabbitMQ refused to open the virtual host (does it exist, and may this user use it?)`, { cause: error });
  }
  if (isConnectionLoss(error)) return new ConnectionError(text, { cause: error });
  if (typeof e.code === 'number' && e.code >= 300) return new AmqpChannelError(e.code, text, { cause: error });
  return new CelerityError('BROKER_ERROR', text, { cause: error });
}
