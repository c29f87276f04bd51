/**
 * The values Celery's Redis backend stores: task meta in Celery's key order, group meta
 * (`{"result": [[gid, null], [child tuples]]}`) and chord entries (`[1, id, state, result]`).
 * Pure functions; the serializer turns their output into bytes.
 */
import { DecodeError } from '@celerity/core';
import { pythonJsonScalar } from '@celerity/core/internal';
import type { ChordPart, ResultMeta } from '@celerity/core';

/** Optional keys in the order Celery writes them, between `date_done` and `task_id`. */
const OPTIONAL_KEYS = ['group_id', 'parent_id', 'name', 'args', 'kwargs', 'worker', 'retries', 'queue'] as const;
const FIXED_KEYS: ReadonlySet<string> = new Set(['status', 'result', 'traceback', 'children', 'date_done', 'task_id', 'stamped_headers', ...OPTIONAL_KEYS]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/**
 * Copies a meta into a plain object whose key order is Celery's: `status, result, traceback,
 * children, date_done, [group_id], [parent_id], [name, args, kwargs, worker, retries, queue],
 * [other keys, e.g. 5.3+ stamps], task_id`. Python's `json.dumps` keeps insertion order, so this
 * order is what makes our bytes equal to a Python worker's.
 */
export function toCeleryMeta(meta: ResultMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {
    status: meta.status,
    result: meta.result ?? null,
    traceback: meta.traceback ?? null,
    children: meta.children ?? [],
    date_done: meta.date_done ?? null,
  };
  for (const key of OPTIONAL_KEYS) {
    const value = meta[key];
    if (value !== undefined) out[key] = value;
  }
  // Celery 5.3+ result_extended stamps: `stamped_headers`, then each stamp, after `queue`.
  const stamped = (meta as { stamped_headers?: unknown }).stamped_headers;
  if (stamped !== undefined) out['stamped_headers'] = stamped;
  for (const [key, value] of Object.entries(meta)) {
    if (!FIXED_KEYS.has(key) && value !== undefined) out[key] = value;
  }
  out['task_id'] = meta.task_id;
  return out;
}

const SUCCESS_JSON = '"SUCCESS"';
// A busy worker stamps every result of one millisecond with the same date_done (core keeps one
// string per millisecond): its JSON is kept too, instead of checked and quoted for each result.
let lastDate: unknown;
let lastDateJson: string | undefined;

function dateDoneJson(value: unknown): string | undefined {
  if (value !== lastDate) {
    lastDate = value;
    lastDateJson = pythonJsonScalar(value);
  }
  return lastDateJson;
}

/**
 * The JSON bytes of the commonest record (no optional keys, no children, a scalar result and
 * traceback), exactly as the generic path (core's writer, Python's separators) writes them, with the
 * same scalar writer, built without an intermediate object;
 * `undefined` for anything else.
 * @example
 * fastJsonMeta({ status: 'SUCCESS', result: 4, traceback: null, children: [], date_done: d, task_id: id });
 */
export function fastJsonMeta(meta: ResultMeta): string | undefined {
  let keys = 0;
  for (const key in meta) {
    if (!Object.hasOwn(meta, key)) return undefined;
    keys++;
  }
  if (keys !== 6 || meta.children === undefined || meta.children.length !== 0) return undefined;
  const status = meta.status === 'SUCCESS' ? SUCCESS_JSON : pythonJsonScalar(meta.status);
  const result = pythonJsonScalar(meta.result);
  const traceback = pythonJsonScalar(meta.traceback);
  const dateDone = dateDoneJson(meta.date_done);
  const taskId = pythonJsonScalar(meta.task_id);
  if (status === undefined || result === undefined || traceback === undefined || dateDone === undefined || taskId === undefined) return undefined;
  if (typeof meta.status !== 'string' || typeof meta.task_id !== 'string') return undefined;
  return `{"status": ${status}, "result": ${result}, "traceback": ${traceback}, "children": [], "date_done": ${dateDone}, "task_id": ${taskId}}`;
}

/**
 * Validates a decoded task meta. Missing `traceback`/`date_done` become null, a null `children`
 * (seen with msgpack) becomes `[]`, a missing `task_id` is taken from the key. Unknown keys are kept.
 * @throws DecodeError when the value is not a meta object with a string `status`.
 */
export function fromCeleryMeta(value: unknown, taskId: string): ResultMeta {
  if (!isRecord(value) || typeof value['status'] !== 'string') {
    throw new DecodeError(`Result of task ${taskId} is not a Celery result meta (no string "status")`);
  }
  const dateDone = value['date_done'];
  const children = value['children'];
  const taskIdValue = value['task_id'];
  return {
    ...value,
    status: value['status'],
    result: value['result'] ?? null,
    traceback: typeof value['traceback'] === 'string' ? value['traceback'] : null,
    children: Array.isArray(children) ? children : [],
    date_done: typeof dateDone === 'string' ? dateDone : dateDone instanceof Date ? dateDone.toISOString() : null,
    task_id: typeof taskIdValue === 'string' ? taskIdValue : taskId,
  } as ResultMeta;
}

/** Group meta as `GroupResult.save()` writes it: `{"result": [[gid, null], [[[id, null], null], …]]}`. */
export function toGroupMeta(groupId: string, taskIds: readonly string[]): Record<string, unknown> {
  return { result: [[groupId, null], taskIds.map((id) => [[id, null], null])] };
}

/**
 * Member ids of a decoded group meta. A member may itself be a group tuple
 * (`[[gid, parent], [...]]`); its id is the nested group's id, as Celery's `result_from_tuple` reads it.
 * @throws DecodeError when the shape is not Celery's.
 */
export function fromGroupMeta(value: unknown, groupId: string): string[] {
  const members = isRecord(value) && Array.isArray(value['result']) ? value['result'][1] : undefined;
  if (!Array.isArray(members)) throw new DecodeError(`Group ${groupId} meta is not {"result": [[id, parent], [members]]}`);
  return members.map((member: unknown) => {
    const head: unknown = Array.isArray(member) ? member[0] : undefined;
    const id: unknown = Array.isArray(head) ? head[0] : undefined;
    if (typeof id !== 'string') throw new DecodeError(`Group ${groupId} has a member that is not a result tuple`);
    return id;
  });
}

/** A chord `.j` member: `[1, task_id, state, result]` (the leading 1 is Celery's format version). */
export function toChordEntry(part: ChordPart): unknown[] {
  return [1, part.taskId, part.status, part.result ?? null];
}

/** Reads a `.j` member back; `index` comes from its score (or its position when the score is +inf). */
export function fromChordEntry(value: unknown, index: number, groupId: string): ChordPart {
  if (!Array.isArray(value) || value.length < 4 || typeof value[1] !== 'string' || typeof value[2] !== 'string') {
    throw new DecodeError(`Chord ${groupId} has an entry that is not [1, id, state, result]`);
  }
  return { taskId: value[1], index, status: value[2], result: value[3] };
}
