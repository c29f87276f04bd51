/** Builds result records in the exact key order of Celery's Redis backend. */
import type { ResultMeta, TaskStateName } from '../backend.js';
import { READY_STATES } from '../backend.js';
import { formatCeleryDate } from '../protocol/dates.js';

/** Fields of {@link buildResultMeta}. */
export interface ResultMetaFields {
  taskId: string;
  status: TaskStateName;
  result: unknown;
  traceback?: string | null;
  children?: unknown[];
  groupId?: string | null;
  parentId?: string | null;
  /** `result_extended` fields. */
  extended?: { name: string; args: unknown[]; kwargs: Record<string, unknown>; worker: string; retries: number; queue: string };
  /** Clock seam. @default new Date() */
  now?: Date;
}

// Results finished in the same millisecond share one formatted date (a busy worker stores thousands a second).
let lastMs = Number.NaN;
let lastText = '';
function dateDone(now: Date | undefined): string {
  if (now !== undefined) return formatCeleryDate(now);
  const ms = Date.now();
  if (ms !== lastMs) {
    lastText = formatCeleryDate(new Date(ms));
    lastMs = ms;
  }
  return lastText;
}

/**
 * A result record keyed like Celery's: `status, result, traceback, children, date_done,
 * [group_id], [parent_id], [extended…], task_id`. `date_done` is set for ready states only.
 */
export function buildResultMeta(fields: ResultMetaFields): ResultMeta {
  const status = fields.status;
  const date = status === 'SUCCESS' || READY_STATES.has(status) ? dateDone(fields.now) : null;
  if (!fields.groupId && !fields.parentId && !fields.extended) {
    // The common record in one literal: one object shape, no transitions for late keys.
    return { status, result: fields.result, traceback: fields.traceback ?? null, children: fields.children ?? [], date_done: date, task_id: fields.taskId };
  }
  const meta: ResultMeta = {
    status,
    result: fields.result,
    traceback: fields.traceback ?? null,
    children: fields.children ?? [],
    date_done: date,
  } as ResultMeta;
  if (fields.groupId) meta.group_id = fields.groupId;
  if (fields.parentId) meta.parent_id = fields.parentId;
  if (fields.extended) Object.assign(meta, fields.extended);
  meta.task_id = fields.taskId;
  return meta;
}
