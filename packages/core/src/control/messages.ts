/**
 * Celery's remote control messages (kombu's pidbox, namespace `celery`): a request is broadcast on
 * the fanout exchange `celery.pidbox` as a JSON body `{method, arguments, destination, pattern,
 * matcher}` plus `ticket` and `reply_to` when the caller waits for replies; each worker that the
 * request addresses answers `{<hostname>: <result>}` on the direct exchange `reply.celery.pidbox`
 * under the caller's routing key, with the request's ticket in the `ticket` header.
 */
import type { Envelope } from '../broker.js';
import { DecodeError } from '../errors.js';

/** The broadcast exchange of control requests. */
export const CONTROL_EXCHANGE = 'celery.pidbox';
/** The direct exchange control replies are routed through. */
export const CONTROL_REPLY_EXCHANGE = 'reply.celery.pidbox';

/** Where a worker sends its reply: kombu's `reply_to`. */
export interface ControlReplyTo {
  exchange: string;
  routingKey: string;
}

/** One control request as sent and received. */
export interface ControlRequest {
  /** The command, e.g. `ping`, `revoke`. */
  method: string;
  arguments: Record<string, unknown>;
  /** Hostnames the request is for; null = every worker. */
  destination: readonly string[] | null;
  /** With `matcher`: which hostnames the request is for (`glob` or `pcre`), when `destination` is null. */
  pattern: string | null;
  matcher: string | null;
  /** Present when the caller waits for replies; echoed in each reply's `ticket` header. */
  ticket?: string;
  replyTo?: ControlReplyTo;
}

/** A worker's reply: its hostname and what the command returned. */
export interface ControlReply {
  hostname: string;
  result: unknown;
  ticket: string | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function jsonEnvelope(body: unknown, headers: Record<string, unknown>, deliveryMode: 1 | 2): Envelope {
  return { body: encoder.encode(JSON.stringify(body)), contentType: 'application/json', contentEncoding: 'utf-8', headers, properties: { deliveryMode } };
}

function jsonBody(envelope: Envelope, what: string): unknown {
  if (envelope.contentType !== 'application/json') throw new DecodeError(`${what}: content type ${JSON.stringify(envelope.contentType)} is not JSON (Celery sends control messages as JSON)`);
  try {
    return JSON.parse(decoder.decode(envelope.body));
  } catch (error) {
    throw new DecodeError(`${what}: the body is not JSON`, { cause: error });
  }
}

/**
 * The envelope of a request, as kombu's `Mailbox._publish` writes it: `clock` and `expires`
 * (seconds since the epoch, 0 = never; callers waiting for replies ignore later ones) headers.
 * @example encodeControlRequest({ method: 'ping', arguments: {}, destination: null, pattern: null, matcher: null }, { now: Date.now() })
 */
export function encodeControlRequest(request: ControlRequest, options: { now: number; timeout?: number; clock?: number }): Envelope {
  const body: Record<string, unknown> = {
    method: request.method,
    arguments: request.arguments,
    destination: request.destination === null ? null : [...request.destination],
    pattern: request.pattern,
    matcher: request.matcher,
  };
  if (request.ticket !== undefined && request.replyTo !== undefined) {
    body['ticket'] = request.ticket;
    body['reply_to'] = { exchange: request.replyTo.exchange, routing_key: request.replyTo.routingKey };
  }
  const expires = options.timeout === undefined ? 0 : (options.now + options.timeout) / 1000;
  return jsonEnvelope(body, { clock: options.clock ?? 0, expires }, 2);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * Reads a request; `DecodeError` when it is not one (no method, arguments that are not a mapping).
 * A `destination` given as one string (Celery accepts it) is read as a one-element list.
 */
export function decodeControlRequest(envelope: Envelope): ControlRequest {
  const body = jsonBody(envelope, 'control request');
  if (!isRecord(body) || typeof body['method'] !== 'string') throw new DecodeError('control request: no method');
  const args = body['arguments'] ?? {};
  if (!isRecord(args)) throw new DecodeError(`control request ${body['method']}: arguments are not a mapping`);
  const rawDestination = body['destination'];
  const destination = typeof rawDestination === 'string' ? [rawDestination] : Array.isArray(rawDestination) ? rawDestination.filter((d): d is string => typeof d === 'string') : null;
  const request: ControlRequest = { method: body['method'], arguments: args, destination, pattern: stringOrNull(body['pattern']), matcher: stringOrNull(body['matcher']) };
  const replyTo = body['reply_to'];
  if (typeof body['ticket'] === 'string' && isRecord(replyTo) && typeof replyTo['exchange'] === 'string' && typeof replyTo['routing_key'] === 'string') {
    request.ticket = body['ticket'];
    request.replyTo = { exchange: replyTo['exchange'], routingKey: replyTo['routing_key'] };
  }
  return request;
}

/** The envelope of a reply, as kombu's `Mailbox._publish_reply` writes it (transient, `ticket` header). */
export function encodeControlReply(reply: ControlReply, options: { clock?: number } = {}): Envelope {
  return jsonEnvelope({ [reply.hostname]: reply.result }, { ticket: reply.ticket, clock: options.clock ?? 0 }, 1);
}

/** Reads a reply `{hostname: result}`; `DecodeError` when the body is not a one-key mapping. */
export function decodeControlReply(envelope: Envelope): ControlReply {
  const body = jsonBody(envelope, 'control reply');
  const keys = isRecord(body) ? Object.keys(body) : [];
  if (!isRecord(body) || keys.length !== 1) throw new DecodeError('control reply: not a {hostname: reply} mapping');
  const hostname = keys[0]!;
  return { hostname, result: body[hostname], ticket: stringOrNull(envelope.headers['ticket']) };
}

/** kombu's `fnmatch`-style glob as a RegExp (`*`, `?`, `[...]`). */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        const inner = glob.slice(i + 1, end);
        source += `[${inner.startsWith('!') ? `^${inner.slice(1)}` : inner}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether a request is for the worker `hostname` (kombu `Node.handle_message`): listed in
 * `destination`, or matching `pattern` with `matcher` (`glob`, default, or `pcre`), or addressed to all.
 */
export function controlRequestIsFor(request: ControlRequest, hostname: string): boolean {
  if (request.destination !== null && request.destination.length > 0) return request.destination.includes(hostname);
  if (request.pattern !== null && request.matcher !== null) {
    try {
      return request.matcher === 'pcre' ? new RegExp(request.pattern).test(hostname) : globToRegExp(request.pattern).test(hostname);
    } catch {
      return false;
    }
  }
  return true;
}
