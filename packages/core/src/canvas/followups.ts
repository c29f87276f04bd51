/**
 * What a finished task sets off, as Celery's worker does it: callbacks (`link`) and the next chain
 * step on success; errbacks and failing the rest of the chain on failure; the chord body once the
 * last header part is in. These return signatures to apply (through `applySignature`) and records
 * to store, so the worker and the client's eager mode continue workflows the same way.
 */
import type { ResultBackend, ResultMeta } from '../backend.js';
import { buildResultMeta } from '../execution/meta.js';
import type { Embed } from '../message.js';
import { pythonRepr } from '../protocol/index.js';
import type { SignatureData } from '../signature.js';
import { canvasSignature, signatureTasks } from '../signature.js';
import { asList, resultIds, taskIdOf, withParentResult } from './freeze.js';

/** The parts of a finished task's message that decide what comes next. */
export interface FinishedTask {
  id: string;
  rootId?: string | null;
  group?: string | null;
  groupIndex?: number | null;
  embed?: Partial<Embed> | null;
}

/** What recording a chord header part leads to. */
export type ChordPartOutcome =
  | { kind: 'waiting' }
  /** The header is complete: apply `body` (its arguments already hold the header results). */
  | { kind: 'ready'; body: SignatureData }
  /** A header task failed: store `failures` (ChordError for the body) and apply `errbacks`. */
  | { kind: 'failed'; reason: string; failures: ResultMeta[]; errbacks: SignatureData[] };

/** Follow-ups are children of the finished task and share its root. */
function asChild(sig: SignatureData, task: FinishedTask): SignatureData {
  return { ...sig, options: { ...sig.options, parent_id: task.id, root_id: task.rootId ?? task.id } };
}

/**
 * Several signatures applied with the same arguments: plain tasks together as one group (a fresh
 * group id, as Celery does for several callbacks and for errbacks), canvas ones each on its own.
 */
function together(sigs: readonly SignatureData[], value: unknown, task: FinishedTask, alwaysGroup: boolean): SignatureData[] {
  const plain = sigs.filter((s) => !s.subtask_type);
  const out = sigs.filter((s) => s.subtask_type).map((s) => asChild(withParentResult(s, value), task));
  if (plain.length === 1 && !alwaysGroup) out.push(asChild(withParentResult(plain[0]!, value), task));
  else if (plain.length > 0) out.push(asChild(withParentResult(canvasSignature('group', { tasks: plain }), value), task));
  return out;
}

/**
 * After a success: the callbacks with the result prepended (a single one as is, several plain
 * ones as one group), then the next chain step, carrying the rest of the chain (`[]` for the last).
 * @example
 * for (const sig of successFollowups(message, value)) await applySignature(sig, sink);
 */
export function successFollowups(task: FinishedTask, value: unknown): SignatureData[] {
  const out = together(task.embed?.callbacks ?? [], value, task, false);
  const chain = task.embed?.chain;
  const next = chain?.[chain.length - 1];
  if (chain && next) out.push(asChild(withParentResult({ ...next, options: { ...next.options, chain: chain.slice(0, -1) } }, value), task));
  return out;
}

/**
 * After a failure: the errbacks, called the old way (with the failed task's id prepended), plain
 * ones together as one group, as Celery publishes them.
 */
export function errbackFollowups(task: FinishedTask): SignatureData[] {
  return together(task.embed?.errbacks ?? [], task.id, task, true);
}

/**
 * The ids a signature's result, and the chain continuing after it, are stored under: whoever
 * waits on a workflow waits on one of these.
 */
export function workflowIds(sig: SignatureData): string[] {
  return [...resultIds(sig), ...(asList(sig.options?.['chain']) as SignatureData[]).flatMap(resultIds)];
}

/**
 * After a failure: the ids of the rest of the chain, which Celery (≥ 5.1) marks failed with the
 * same error so whoever waits for the chain's result gets the error instead of waiting forever.
 */
export function remainingChainIds(task: FinishedTask): string[] {
  return (task.embed?.chain ?? []).flatMap(workflowIds);
}

/** The tasks of a frozen signature that report to a chord: a chain's last step, a chord's body, a group's members. */
function chordReporters(sig: SignatureData): SignatureData[] {
  switch (sig.subtask_type) {
    case 'chain': {
      const last = signatureTasks(sig).at(-1);
      return last ? chordReporters(last) : [];
    }
    case 'chord': {
      const body = sig.kwargs['body'];
      return typeof body === 'object' && body !== null ? chordReporters(body as SignatureData) : [];
    }
    case 'group':
      return signatureTasks(sig).flatMap(chordReporters);
    default: {
      const o = sig.options ?? {};
      return typeof o['chord'] === 'object' && o['chord'] !== null && typeof o['group_id'] === 'string' && taskIdOf(sig) ? [sig] : [];
    }
  }
}

/**
 * After a failure: the chord header parts that will now never run, because they sit later in the
 * failed task's chain (a chain in a chord header reports through its last step). As Celery's
 * `mark_as_failure` does, each is recorded as failed with the chord, so the chord completes (with a
 * ChordError) instead of waiting forever.
 */
export function unreachedChordParts(task: FinishedTask): FinishedTask[] {
  return (task.embed?.chain ?? []).flatMap(chordReporters).map((sig) => {
    const o = sig.options;
    return { id: taskIdOf(sig)!, rootId: task.rootId ?? task.id, group: o['group_id'] as string, groupIndex: typeof o['group_index'] === 'number' ? o['group_index'] : null, embed: { chord: o['chord'] as SignatureData } };
  });
}

/** Python's repr of a stored exception, e.g. `TypeError('boom')`. */
function exceptionRepr(exc: unknown): string {
  if (typeof exc !== 'object' || exc === null) return pythonRepr(exc);
  const e = exc as { exc_type?: unknown; exc_message?: unknown };
  const args = Array.isArray(e.exc_message) ? e.exc_message : e.exc_message === undefined ? [] : [e.exc_message];
  return `${typeof e.exc_type === 'string' ? e.exc_type : 'Exception'}(${args.map((a) => pythonRepr(a)).join(', ')})`;
}

/** The chord body applied with the header results, in header order: what a complete header sets off. */
export function chordBodyReady(body: SignatureData, results: readonly unknown[], task: FinishedTask): ChordPartOutcome & { kind: 'ready' } {
  return { kind: 'ready', body: asChild(withParentResult(body, [...results]), task) };
}

/**
 * The body's failure after header member `failedId` failed with `failedResult` (a stored
 * exception): Celery's ChordError (`Dependency <id> raised <repr>`) stored for the body's result
 * ids, and the body's errbacks, called with the body's id as children of `task`.
 */
export function chordBodyFailure(body: SignatureData, failedId: string, failedResult: unknown, task: FinishedTask): ChordPartOutcome & { kind: 'failed' } {
  const reason = `Dependency ${failedId} raised ${exceptionRepr(failedResult)}`;
  const error = { exc_type: 'ChordError', exc_message: [reason], exc_module: 'celery.exceptions' };
  const failures = workflowIds(body).map((id) => buildResultMeta({ taskId: id, status: 'FAILURE', result: error }));
  const bodyId = taskIdOf(body) ?? resultIds(body).at(-1);
  // Celery calls the body's errbacks with the body's id, from the task that found the failure.
  const errbacks = bodyId ? together(asList(body.options?.['link_error']) as SignatureData[], bodyId, task, true) : [];
  return { kind: 'failed', reason, failures, errbacks };
}

/**
 * Records a finished chord header task (`status`, `result`) and says what follows: nothing yet,
 * the body with the header results, or, when a header task failed, the body's failure. Null when
 * the task is not part of a chord.
 */
export async function recordChordPart(backend: ResultBackend, task: FinishedTask, status: string, result: unknown): Promise<ChordPartOutcome | null> {
  const body = task.embed?.chord;
  if (!body || !task.group) return null;
  const progress = await backend.chordPartReturn(task.group, { taskId: task.id, index: task.groupIndex ?? Number.MAX_SAFE_INTEGER, status, result });
  if (!progress.complete) return { kind: 'waiting' };
  const failed = progress.parts.find((p) => p.status !== 'SUCCESS');
  if (!failed) return chordBodyReady(body, progress.parts.map((p) => p.result), task);
  return chordBodyFailure(body, failed.taskId, failed.result, task);
}
