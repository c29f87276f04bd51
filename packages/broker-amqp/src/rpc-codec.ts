/**
 * The messages of Celery's `rpc://` result backend (spec §4.5, `amqp/rpc_backend_results.json`):
 * a body `{"task_id", "status", "result", "traceback", "children"}` published to exchange `""`
 * with routing key = the task's `reply_to`, `correlation_id` = the request's (else the task id), delivery mode 1.
 */
import { DecodeError, READY_STATES, TaskState } from '@celerity/core';
import type { ResultMeta, Serializer } from '@celerity/core';
import type { Message, Options } from 'amqplib';

/** Optional record fields we append after Celery's five (Python's client ignores them). */
const OPTIONAL_FIELDS = ['group_id', 'parent_id', 'name', 'args', 'kwargs', 'worker', 'retries', 'queue'] as const;

/**
 * The body of a state message: Celery's five keys in Celery's order, then `date_done` when the
 * state is ready and the optional record fields present on `meta` (group/parent ids,
 * `result_extended` fields). Python clients read the five and keep the rest in the meta dict.
 * @example
 * encodeResultBody({ task_id: 'id', status: 'SUCCESS', result: 3, traceback: null, children: [], date_done: null });
 * // { task_id: 'id', status: 'SUCCESS', result: 3, traceback: null, children: [] }
 */
export function encodeResultBody(meta: ResultMeta): Record<string, unknown> {
  const body: Record<string, unknown> = {
    task_id: meta.task_id,
    status: meta.status,
    result: meta.result,
    traceback: meta.traceback ?? null,
    children: meta.children ?? [],
  };
  if (meta.date_done !== null && meta.date_done !== undefined) body['date_done'] = meta.date_done;
  for (const key of OPTIONAL_FIELDS) if (meta[key] !== undefined) body[key] = meta[key];
  return body;
}

/**
 * Publish options of a state message. `correlation_id` is Celery's `request.correlation_id or
 * task_id`: the id the task message carried (Celery's clients set it to the task id).
 */
export function resultPublishOptions(meta: ResultMeta, serializer: Serializer, persistent: boolean, correlationId?: string): Options.Publish {
  return {
    contentType: serializer.contentType,
    contentEncoding: serializer.contentEncoding,
    correlationId: correlationId || meta.task_id,
    deliveryMode: persistent ? 2 : 1,
    priority: 0,
    headers: {},
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes a state message into a result record (Celery's Redis key order). The task id comes from
 * the body, else from `correlation_id`. Throws `DecodeError` for a body that is not such a record.
 * @example
 * const meta = decodeResultMessage(message, (contentType) => serializers.get(contentType));
 */
export function decodeResultMessage(message: Pick<Message, 'content' | 'properties'>, serializerFor: (contentType: string) => Serializer | undefined): ResultMeta {
  const contentType: unknown = message.properties.contentType;
  const serializer = serializerFor(typeof contentType === 'string' && contentType !== '' ? contentType : 'application/json');
  if (serializer === undefined) throw new DecodeError(`Result message has unsupported content type ${JSON.stringify(contentType)}`);
  const payload = serializer.decode(message.content);
  if (!isRecord(payload)) throw new DecodeError('Result message body is not an object');
  const correlationId: unknown = message.properties.correlationId;
  const taskId = typeof payload['task_id'] === 'string' ? payload['task_id'] : typeof correlationId === 'string' ? correlationId : undefined;
  if (taskId === undefined) throw new DecodeError('Result message names no task id');
  const status = payload['status'];
  if (typeof status !== 'string' || status === '') throw new DecodeError(`Result message for ${taskId} has no status`);
  const traceback = payload['traceback'];
  const children = payload['children'];
  const dateDone = payload['date_done'];
  const meta = {
    status,
    result: payload['result'] ?? null,
    traceback: typeof traceback === 'string' ? traceback : null,
    children: Array.isArray(children) ? children : [],
    date_done: typeof dateDone === 'string' ? dateDone : null,
  } as ResultMeta;
  for (const key of OPTIONAL_FIELDS) if (payload[key] !== undefined && payload[key] !== null) (meta as unknown as Record<string, unknown>)[key] = payload[key];
  meta.task_id = taskId;
  return meta;
}

/**
 * Whether a newly received state replaces the one we have: a SUCCESS is never replaced (Celery's
 * rule), and a ready state is only replaced by another ready state, so a late STARTED cannot hide a
 * finished task.
 */
export function replacesState(previous: ResultMeta | undefined, next: ResultMeta): boolean {
  if (previous === undefined) return true;
  if (previous.status === TaskState.SUCCESS) return false;
  if (READY_STATES.has(previous.status)) return READY_STATES.has(next.status);
  return true;
}
