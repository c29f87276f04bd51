/**
 * `celery.chord_unlock`, what Celery sends in place of native chord counting when its result
 * backend has none (`Backend.fallback_chord_unlock`): args `[group_id, body]`, kwargs `result` (the
 * header members as `[[id, parent], null]` result tuples), optionally `interval` and `max_retries`.
 * Celerity's backends count chords themselves, so only a Python client sends one; a Celerity
 * worker runs it by reading the members through its own result backend. This module is the
 * check-and-decide step; the task polls by retrying itself with a countdown, never by sleeping.
 */
import type { ResultBackend } from '../../backend.js';
import { InvalidTaskError } from '../../errors.js';
import type { SignatureData } from '../../signature.js';
import type { TaskContext, TaskDefinition } from '../../task.js';
import { defineTask } from '../../task.js';
import type { ChordPartOutcome, FinishedTask } from '../followups.js';
import { chordBodyFailure, chordBodyReady } from '../followups.js';

/** Celery's `result_chord_retry_interval` default: seconds between checks. */
export const CHORD_UNLOCK_DEFAULT_INTERVAL = 1;

/** A `celery.chord_unlock` message's arguments, checked. */
export interface ChordUnlockRequest {
  groupId: string;
  body: SignatureData;
  /** The header members' task ids, in header order. */
  memberIds: string[];
  /** Seconds before checking again. */
  interval: number;
  /** Checks after the first before giving up; null checks forever (Celery's default). */
  maxRetries: number | null;
}

/** What one check of a chord_unlock leads to: the chord's outcome, or checking again after `countdown` seconds. */
export type ChordUnlockOutcome = Exclude<ChordPartOutcome, { kind: 'waiting' }> | { kind: 'waiting'; countdown: number; maxRetries: number | null };

const READY = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

function invalid(detail: string): never {
  throw new InvalidTaskError(`celery.chord_unlock ${detail}`);
}

/** The task id of one `[[id, parent], null]` result tuple (Celery's `AsyncResult.as_tuple()`). */
function memberId(tuple: unknown, index: number): string {
  if (!Array.isArray(tuple) || tuple.length !== 2) invalid(`needs kwargs.result[${index}] to be a result tuple [[id, parent], null], got ${JSON.stringify(tuple)}`);
  const [head, nodes] = tuple as [unknown, unknown];
  // A nested group's tuple has its members as nodes; Celery's chord_unlock header is a flat group.
  if (nodes !== null && nodes !== undefined) invalid(`supports a flat header of task results only, got a nested group at kwargs.result[${index}]`);
  const id = Array.isArray(head) ? head[0] : undefined;
  if (typeof id !== 'string' || id === '') invalid(`needs a task id at kwargs.result[${index}][0][0], got ${JSON.stringify(head)}`);
  return id;
}

/**
 * Checks a `celery.chord_unlock` message's args and kwargs; throws `InvalidTaskError` naming what
 * is wrong (a malformed unlock would otherwise poll forever).
 */
export function parseChordUnlock(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): ChordUnlockRequest {
  const [groupId, body] = args;
  if (typeof groupId !== 'string' || groupId === '') invalid(`needs the group id as its first argument, got ${JSON.stringify(groupId)}`);
  if (typeof body !== 'object' || body === null || typeof (body as SignatureData).task !== 'string') invalid(`needs the chord body signature as its second argument, got ${JSON.stringify(body)}`);
  const result = kwargs['result'];
  if (!Array.isArray(result)) invalid(`needs kwargs.result to be the list of header result tuples, got ${JSON.stringify(result)}`);
  const interval = kwargs['interval'] ?? CHORD_UNLOCK_DEFAULT_INTERVAL;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) invalid(`needs kwargs.interval to be seconds ≥ 0, got ${JSON.stringify(interval)}`);
  const maxRetries = kwargs['max_retries'] ?? null;
  if (maxRetries !== null && (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0)) invalid(`needs kwargs.max_retries to be a whole number ≥ 0 or null, got ${JSON.stringify(maxRetries)}`);
  const sig = body as SignatureData;
  return { groupId, body: { ...sig, args: sig.args ?? [], kwargs: sig.kwargs ?? {}, options: sig.options ?? {} }, memberIds: result.map(memberId), interval, maxRetries };
}

/**
 * One check, as Celery's `unlock_chord`: when every member is ready, the body with their results
 * in header order, or, at the first member (in header order) that did not succeed, the body's
 * ChordError and errbacks; otherwise check again after `interval`. `task` is the chord_unlock
 * message (follow-ups are its children).
 * @example
 * const outcome = await chordUnlockStep(backend, { id: ctx.id, rootId: ctx.rootId }, parseChordUnlock(ctx.args, ctx.kwargs));
 */
export async function chordUnlockStep(backend: ResultBackend, task: FinishedTask, request: ChordUnlockRequest): Promise<ChordUnlockOutcome> {
  const metas = await Promise.all(request.memberIds.map((id) => backend.get(id)));
  if (!metas.every((m) => m !== null && READY.has(m.status))) return { kind: 'waiting', countdown: request.interval, maxRetries: request.maxRetries };
  const failed = metas.findIndex((m) => m!.status !== 'SUCCESS');
  if (failed >= 0) return chordBodyFailure(request.body, request.memberIds[failed]!, metas[failed]!.result, task);
  return chordBodyReady(request.body, metas.map((m) => m!.result), task);
}

/** The chord's outcome once the header is in: the worker applies the body, or stores the ChordError and applies the errbacks. */
export type ChordUnlockSettle = (outcome: Exclude<ChordUnlockOutcome, { kind: 'waiting' }>, request: ChordUnlockRequest, ctx: TaskContext) => Promise<void>;

/**
 * The `celery.chord_unlock` task for a worker whose result backend is `backend`, as Celery's
 * (`max_retries=None`, `ignore_result=True`): each run checks the members once; while one is not
 * ready it retries itself through `ctx.retry` with `countdown = interval` and the message's
 * `max_retries` (so the retry message is Celery's); a member it cannot read is retried the same
 * way with the read error. Malformed arguments fail it with an `InvalidTaskError`, never a retry.
 * @example
 * tasks.set('celery.chord_unlock', createChordUnlockTask(backend, (outcome) => sendOrFail(outcome)));
 */
export function createChordUnlockTask(backend: ResultBackend, settle: ChordUnlockSettle): TaskDefinition {
  const definition = defineTask(
    { name: 'celery.chord_unlock', params: ['group_id', 'callback', 'interval?', 'max_retries?', 'result?'], maxRetries: null, ignoreResult: true },
    async (_groupId: unknown, _callback: unknown, _interval: unknown, _maxRetries: unknown, _result: unknown, ctx: TaskContext): Promise<null> => {
      const request = parseChordUnlock(ctx.args, ctx.kwargs);
      const retry = { countdown: request.interval, maxRetries: request.maxRetries };
      let outcome: ChordUnlockOutcome;
      try {
        outcome = await chordUnlockStep(backend, { id: ctx.id, rootId: ctx.rootId }, request);
      } catch (error) {
        return ctx.retry({ ...retry, exc: error });
      }
      if (outcome.kind === 'waiting') return ctx.retry(retry);
      await settle(outcome, request, ctx);
      return null;
    },
  );
  return definition as TaskDefinition;
}
