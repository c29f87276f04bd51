/**
 * Task messages ↔ envelopes: protocol v2 encoding exactly as Celery's `as_task_v2` lays it out,
 * and decoding of v2, v1 and "hybrid" (v2 headers + v1 dict body) messages with full validation.
 */
import { hostname } from 'node:os';
import type { Envelope, EnvelopeProperties } from '../broker.js';
import { CelerityError, DecodeError, EncodeError } from '../errors.js';
import type { Embed, TaskMessage, TaskMessageInit } from '../message.js';
import type { Serializer, SerializerRegistry } from '../serializer.js';
import { formatCeleryDate } from './dates.js';
import { pythonRepr } from './python-repr.js';
import { CELERY_TASK_HEADERS, FieldReader, invalid, isRecord, readEmbed, rethrowInvalid } from './task-fields.js';

/** `lang` header we write. Informational only: Celery workers ignore it. */
export const TASK_MESSAGE_LANG = 'js';

/** Default {@link DecodeTaskOptions.maxBodySize}: 64 MiB. */
export const DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024;

/** Options of {@link encodeTaskMessage}. */
export interface EncodeTaskOptions {
  /** Body serializer. */
  serializer: Serializer;
  /** Clock (ms since epoch) used to turn `expires` into the `expiration` property. @default Date.now */
  now?: () => number;
  /**
   * Leave out what every Celery version (5.2–5.6) reads the same when absent: headers at their
   * default (`shadow`, `eta`, `expires`, `group`, `group_index`, `parent_id` when null, `retries` 0,
   * `timelimit` `[null, null]`, `replaced_task_nesting` 0, `stamped_headers` null, `stamps` {}),
   * the informational `lang` and `origin` (unless `init.origin` is given), the `correlation_id` property (Celery falls back to the
   * task id) and an all-null embed (sent as `{}`). `task`, `id`, `root_id`, `argsrepr` and
   * `kwargsrepr` are always written (logs, events, Flower). About half the bytes of a small message.
   * @default false
   */
  lean?: boolean;
}

/** Options of {@link decodeTaskMessage}. */
export interface DecodeTaskOptions {
  /** Serializers allowed to decode the body (accept list). */
  serializers: SerializerRegistry;
  /** Largest body accepted, in bytes; a larger one is a `DecodeError` before any parsing. @default 67108864 (64 MiB) */
  maxBodySize?: number;
}

let cachedOrigin: string | undefined;
/** Celery's producer name format `gen<pid>@<host>`. */
function defaultOrigin(): string {
  cachedOrigin ??= `gen${process.pid}@${hostname()}`;
  return cachedOrigin;
}

const NO_TIME_LIMIT: readonly [null, null] = [null, null];

/**
 * Encodes a protocol v2 task message: headers in Celery's order (`lang, task, id, shadow, eta,
 * expires, group, group_index, retries, timelimit, root_id, parent_id, argsrepr, kwargsrepr,
 * origin, [ignore_result], replaced_task_nesting, stamped_headers, stamps`, then custom headers,
 * which win on a clash as in Celery), properties (`correlationId` = id, `deliveryMode` 2,
 * `priority`, `replyTo`, `expiration` in ms from `expires`), body `[args, kwargs, embed]`.
 * `ignore_result` is written only when set (absent means "task default" in every Celery version).
 * @throws EncodeError for an empty task name or id, args / kwargs of the wrong shape, an invalid date,
 * or a body the serializer cannot carry.
 * @example
 * const envelope = encodeTaskMessage({ task: 'tasks.add', id: randomUUID(), args: [2], kwargs: { y: 3 } }, { serializer: jsonSerializer });
 */
export function encodeTaskMessage(init: TaskMessageInit, options: EncodeTaskOptions): Envelope {
  const { task, id } = init;
  const serializer = options.serializer;
  if (typeof task !== 'string' || task === '') throw new EncodeError('A task message needs a non-empty task name');
  if (typeof id !== 'string' || id === '') throw new EncodeError('A task message needs a non-empty task id');
  const args = init.args ?? [];
  const kwargs = init.kwargs ?? {};
  // A 2-element or malformed body crashes Python workers in a loop (spec §0.1): never send one.
  if (!Array.isArray(args)) throw new EncodeError(`Task ${task}: args must be an array`);
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) {
    throw new EncodeError(`Task ${task}: kwargs must be an object`);
  }
  const lean = options.lean === true;
  const stamps = init.stamps ?? {};
  const stampNames = Object.keys(stamps);
  const headers = lean ? leanHeaders(init, task, id, args, kwargs, stampNames) : fullHeaders(init, task, id, args, kwargs, stampNames);
  if (init.headers) {
    for (const key of Object.keys(init.headers)) {
      const value = init.headers[key];
      if (value !== undefined) headers[key] = value;
    }
  }

  const properties: EnvelopeProperties = lean ? { deliveryMode: 2, priority: init.priority ?? 0 } : { correlationId: id, deliveryMode: 2, priority: init.priority ?? 0 };
  if (init.replyTo) properties.replyTo = init.replyTo;
  const ttl = init.expirationMs ?? (init.expires ? init.expires.getTime() - (options.now ?? Date.now)() : undefined);
  if (ttl !== undefined && !Number.isNaN(ttl)) properties.expiration = String(Math.max(0, Math.trunc(ttl)));

  const e = init.embed;
  const callbacks = e?.callbacks ?? null;
  const errbacks = e?.errbacks ?? null;
  const chain = e?.chain ?? null;
  const chord = e?.chord ?? null;
  const embed: Embed | Record<string, never> =
    lean && callbacks === null && errbacks === null && chain === null && chord === null ? {} : { callbacks, errbacks, chain, chord };
  let body: Uint8Array;
  try {
    body = serializer.encode([args, kwargs, embed]);
  } catch (err) {
    if (err instanceof CelerityError) throw err;
    throw new EncodeError(`Cannot encode the body of task ${task} with ${serializer.name}: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
  return { body, contentType: serializer.contentType, contentEncoding: serializer.contentEncoding, headers, properties };
}

/** Every protocol 2 header in Celery's order, as `as_task_v2` writes them. */
function fullHeaders(init: TaskMessageInit, task: string, id: string, args: unknown[], kwargs: object, stampNames: string[]): Record<string, unknown> {
  const headers: Record<string, unknown> = {
    lang: TASK_MESSAGE_LANG,
    task,
    id,
    shadow: init.shadow ?? null,
    eta: init.eta ? formatCeleryDate(init.eta) : null,
    expires: init.expires ? formatCeleryDate(init.expires) : null,
    group: init.group ?? null,
    group_index: init.groupIndex ?? null,
    retries: init.retries ?? 0,
    timelimit: init.timeLimit ?? NO_TIME_LIMIT,
    root_id: init.rootId ?? id,
    parent_id: init.parentId ?? null,
    argsrepr: init.argsrepr ?? pythonRepr(args),
    kwargsrepr: init.kwargsrepr ?? pythonRepr(kwargs),
    origin: init.origin ?? defaultOrigin(),
  };
  if (init.ignoreResult !== undefined && init.ignoreResult !== null) headers['ignore_result'] = init.ignoreResult;
  headers['replaced_task_nesting'] = init.replacedTaskNesting ?? 0;
  headers['stamped_headers'] = stampNames.length > 0 ? stampNames : null;
  headers['stamps'] = init.stamps ?? {};
  return headers;
}

/** The same headers in the same order, without those whose value is the default (see `lean`). */
function leanHeaders(init: TaskMessageInit, task: string, id: string, args: unknown[], kwargs: object, stampNames: string[]): Record<string, unknown> {
  const headers: Record<string, unknown> = { task, id };
  if (init.shadow) headers['shadow'] = init.shadow;
  if (init.eta) headers['eta'] = formatCeleryDate(init.eta);
  if (init.expires) headers['expires'] = formatCeleryDate(init.expires);
  if (init.group) headers['group'] = init.group;
  if (init.groupIndex !== undefined && init.groupIndex !== null) headers['group_index'] = init.groupIndex;
  if (init.retries) headers['retries'] = init.retries;
  const limit = init.timeLimit;
  if (limit && (limit[0] !== null || limit[1] !== null)) headers['timelimit'] = limit;
  // A top-level task is its own root: Celery reads a missing root_id as the task's id everywhere it
  // uses it (as_task_v2, send_task, the tracer, chains and errbacks), so only a workflow member sends it.
  if (init.rootId && init.rootId !== id) headers['root_id'] = init.rootId;
  if (init.parentId) headers['parent_id'] = init.parentId;
  headers['argsrepr'] = init.argsrepr ?? pythonRepr(args);
  headers['kwargsrepr'] = init.kwargsrepr ?? pythonRepr(kwargs);
  if (init.origin) headers['origin'] = init.origin;
  if (init.ignoreResult !== undefined && init.ignoreResult !== null) headers['ignore_result'] = init.ignoreResult;
  if (init.replacedTaskNesting) headers['replaced_task_nesting'] = init.replacedTaskNesting;
  if (stampNames.length > 0) {
    headers['stamped_headers'] = stampNames;
    headers['stamps'] = init.stamps;
  }
  return headers;
}

/** Header-like fields of a v1 / hybrid dict body; envelope headers are laid over them (Celery does the same). */
function v1Fields(body: Record<string, unknown>, headers: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    task: body['task'],
    id: body['id'],
    shadow: body['shadow'],
    eta: body['eta'],
    expires: body['expires'],
    group: body['group'] ?? body['taskset'],
    group_index: body['group_index'],
    retries: body['retries'],
    timelimit: body['timelimit'],
    root_id: body['root_id'],
    parent_id: body['parent_id'],
    argsrepr: body['argsrepr'],
    kwargsrepr: body['kwargsrepr'],
    origin: body['origin'],
  };
  for (const key of Object.keys(headers)) fields[key] = headers[key];
  return fields;
}

function decodeBody(envelope: Envelope, options: DecodeTaskOptions): unknown {
  const { body, contentType } = envelope;
  if (!(body instanceof Uint8Array)) return invalid('envelope body', 'bytes (Uint8Array)', body);
  if (typeof contentType !== 'string') return invalid('envelope content type', 'a string', contentType);
  const max = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  if (body.byteLength > max) {
    throw new DecodeError(`Task message body is ${body.byteLength} bytes, more than the ${max} allowed (maxBodySize)`);
  }
  try {
    return options.serializers.decode(contentType, body);
  } catch (err) {
    if (err instanceof CelerityError) throw err;
    throw new DecodeError(`Cannot decode task message body (${contentType}): ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Decodes a task message. Protocol 2: headers carry `task` and the body is exactly
 * `[args: array, kwargs: object, embed: object | null]`. Protocol 1 (and Celery's "hybrid"): the
 * body is a dict holding `task`, `id`, `args`, `kwargs`…, with envelope headers laid over it.
 * Naive `eta` / `expires` are read as UTC (protocol 1's `utc: false` is not honoured).
 * Headers that are not Celery fields (`x-custom`, `redelivered`…) are returned in `customHeaders`.
 * @throws ContentDisallowedError (unknown / not accepted content type), DecodeError (undecodable
 * or oversized body), InvalidTaskError (wrong shape or field type; the message names the field).
 * @example
 * const message = decodeTaskMessage(delivery.envelope, { serializers: registry });
 */
export function decodeTaskMessage(envelope: Envelope, options: DecodeTaskOptions): TaskMessage {
  if (typeof envelope !== 'object' || envelope === null) return invalid('envelope', 'an object', envelope);
  const rawHeaders: unknown = envelope.headers ?? {};
  if (!isRecord(rawHeaders)) return invalid('envelope headers', 'an object', rawHeaders);
  const body = decodeBody(envelope, options);
  try {
    return decodeFields(envelope, rawHeaders, body);
  } catch (err) {
    return rethrowInvalid(err);
  }
}

function decodeFields(envelope: Envelope, rawHeaders: Record<string, unknown>, body: unknown): TaskMessage {
  let fields: Record<string, unknown>;
  let args: unknown;
  let kwargs: unknown;
  let embed: Embed;
  let protocol: 1 | 2;
  let where: string;
  if (Array.isArray(body)) {
    if (!Object.hasOwn(rawHeaders, 'task')) invalid("header 'task'", 'present in a protocol 2 message (array body)', undefined);
    if (body.length !== 3) invalid('body', 'a 3-element array [args, kwargs, embed]', body);
    // Indexing, not destructuring: an array pattern goes through the iterator protocol.
    args = body[0];
    kwargs = body[1];
    embed = readEmbed(body[2], 'body embed');
    fields = rawHeaders;
    protocol = 2;
    where = 'body';
  } else if (isRecord(body)) {
    args = body['args'] ?? [];
    kwargs = body['kwargs'] ?? {};
    embed = readEmbed({ callbacks: body['callbacks'], errbacks: body['errbacks'], chord: body['chord'] }, 'body');
    fields = v1Fields(body, rawHeaders);
    protocol = 1;
    where = 'body field';
  } else {
    return invalid('body', 'a 3-element array (protocol 2) or an object (protocol 1)', body);
  }
  if (!Array.isArray(args)) invalid(`${where} 'args'`, 'an array', args);
  if (!isRecord(kwargs)) invalid(`${where} 'kwargs'`, 'an object', kwargs);
  return buildMessage(envelope, new FieldReader(fields, protocol === 2 ? 'header' : 'field'), rawHeaders, args, kwargs, embed, protocol);
}

function buildMessage(
  envelope: Envelope,
  h: FieldReader,
  rawHeaders: Record<string, unknown>,
  args: unknown[],
  kwargs: Record<string, unknown>,
  embed: Embed,
  protocol: 1 | 2,
): TaskMessage {
  const customHeaders: Record<string, unknown> = {};
  // for-in with an own check lists the same keys as Object.keys without allocating their array.
  for (const key in rawHeaders) {
    if (Object.hasOwn(rawHeaders, key) && !CELERY_TASK_HEADERS.has(key)) customHeaders[key] = rawHeaders[key];
  }
  const props: EnvelopeProperties = isRecord(envelope.properties) ? envelope.properties : {};
  const priority = props.priority;
  const task = h.requiredString('task');
  const id = h.requiredString('id');
  const message: TaskMessage = {
    task,
    id,
    args,
    kwargs,
    embed,
    eta: h.date('eta'),
    expires: h.date('expires'),
    retries: h.integer('retries', 0),
    timeLimit: h.timeLimit('timelimit'),
    // No root_id (protocol 1, lean senders): the task is its own root, as Celery reads it.
    rootId: h.string('root_id') ?? id,
    parentId: h.string('parent_id'),
    group: h.string('group'),
    groupIndex: h.integer('group_index', null),
    shadow: h.string('shadow'),
    ignoreResult: h.boolean('ignore_result'),
    origin: h.string('origin'),
    argsrepr: h.string('argsrepr'),
    kwargsrepr: h.string('kwargsrepr'),
    replacedTaskNesting: h.integer('replaced_task_nesting', 0),
    stamps: h.record('stamps'),
    stampedHeaders: h.stringList('stamped_headers'),
    customHeaders,
    correlationId: typeof props.correlationId === 'string' ? props.correlationId : null,
    replyTo: typeof props.replyTo === 'string' ? props.replyTo : null,
    priority: typeof priority === 'number' && Number.isInteger(priority) ? priority : null,
    contentType: envelope.contentType,
    contentEncoding: typeof envelope.contentEncoding === 'string' ? envelope.contentEncoding : '',
    protocol,
  };
  return message;
}
