/**
 * Eager mode: instead of publishing, run each message in-process (core's `runTaskEagerly`) and then
 * do what a worker does after a task — callbacks, the next chain link, chord completion — so
 * whole workflows run in tests without a broker.
 */
import type { Logger, ResultBackend, ResultMeta, SignatureData, TaskDefinition, TaskMessageInit } from '@celerity/core';
import { NotRegisteredError, signatureTasks } from '@celerity/core';
import { buildResultMeta, runTaskEagerly } from '@celerity/core/internal';
import { withParentResult } from './canvas.js';

/** What eager execution needs from the client. */
export interface EagerHost {
  readonly backend: ResultBackend;
  readonly logger: Logger;
  /** Task definitions by name. */
  readonly definitions: ReadonlyMap<string, TaskDefinition>;
  /** Applies a follow-up signature through the client (planned like any other, then run eagerly). */
  apply(sig: SignatureData): Promise<void>;
}

/** The ids a signature's results will be stored under (for failing a chain's remaining links). */
function resultIds(sig: SignatureData): string[] {
  switch (sig.subtask_type) {
    case 'chain':
    case 'group':
      return signatureTasks(sig).flatMap(resultIds);
    case 'chord': {
      const body = sig.kwargs['body'];
      return typeof body === 'object' && body !== null ? resultIds(body as SignatureData) : [];
    }
    default: {
      const id = sig.options?.['task_id'];
      return typeof id === 'string' ? [id] : [];
    }
  }
}

/** Follow-ups inherit the parent's ids, as the worker sets them. */
function asChild(sig: SignatureData, parentId: string, rootId: string): SignatureData {
  return { ...sig, options: { ...sig.options, parent_id: parentId, root_id: rootId } };
}

/** Throws NotRegisteredError for a task eager mode cannot run. */
export function eagerDefinition(host: EagerHost, task: string): TaskDefinition {
  const definition = host.definitions.get(task);
  if (!definition) throw new NotRegisteredError(task);
  return definition;
}

/** Runs one message in-process, stores its result and applies its follow-ups. */
export async function runEagerMessage(init: TaskMessageInit, host: EagerHost): Promise<ResultMeta> {
  const definition = host.definitions.get(init.task);
  const meta = definition
    ? await runTaskEagerly(definition, init, { backend: host.backend, logger: host.logger })
    : await storeFailure(host, init, { exc_type: 'NotRegistered', exc_message: [init.task], exc_module: 'celery.exceptions' }, null);
  const rootId = init.rootId ?? init.id;
  const embed = init.embed ?? {};
  if (meta.status === 'SUCCESS') {
    for (const callback of embed.callbacks ?? []) await host.apply(asChild(withParentResult(callback, meta.result), init.id, rootId));
    const chain = embed.chain;
    const next = chain?.[chain.length - 1];
    if (chain && next) {
      const rest = chain.slice(0, -1);
      await host.apply(asChild(withParentResult({ ...next, options: { ...next.options, chain: rest } }, meta.result), init.id, rootId));
    }
  } else {
    for (const errback of embed.errbacks ?? []) {
      await host.apply(asChild({ ...errback, immutable: true, args: [init.id, ...(errback.args ?? [])] }, init.id, rootId));
    }
    // A worker would leave the rest of a failed chain PENDING forever; in-process, waiting on the
    // chain's result should fail with the cause instead of hanging.
    for (const id of (embed.chain ?? []).flatMap(resultIds)) {
      await host.backend.store({ ...meta, task_id: id, parent_id: init.id });
    }
  }
  if (embed.chord && init.group) await completeChordPart(init, meta, embed.chord, host);
  return meta;
}

async function storeFailure(host: EagerHost, init: TaskMessageInit, exc: Record<string, unknown>, parentId: string | null): Promise<ResultMeta> {
  const meta = buildResultMeta({ taskId: init.id, status: 'FAILURE', result: exc, groupId: init.group ?? null, parentId });
  await host.backend.store(meta);
  return meta;
}

async function completeChordPart(init: TaskMessageInit, meta: ResultMeta, body: SignatureData, host: EagerHost): Promise<void> {
  const progress = await host.backend.chordPartReturn(init.group!, {
    taskId: init.id,
    index: init.groupIndex ?? Number.MAX_SAFE_INTEGER,
    status: meta.status,
    result: meta.result,
  });
  if (!progress.complete) return;
  const rootId = init.rootId ?? init.id;
  const failed = progress.parts.find((p) => p.status !== 'SUCCESS');
  if (!failed) {
    await host.apply(asChild(withParentResult(body, progress.parts.map((p) => p.result)), init.id, rootId));
    return;
  }
  const exc = failed.result as { exc_type?: unknown; exc_message?: unknown } | null;
  const first = Array.isArray(exc?.exc_message) ? exc.exc_message[0] : exc?.exc_message;
  const reason = `Dependency ${failed.taskId} raised ${String(exc?.exc_type ?? 'Exception')}(${JSON.stringify(first ?? '')})`;
  for (const id of resultIds(body)) {
    await host.backend.store(
      buildResultMeta({ taskId: id, status: 'FAILURE', result: { exc_type: 'ChordError', exc_message: [reason], exc_module: 'celery.exceptions' } }),
    );
  }
}
