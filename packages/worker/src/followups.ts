/**
 * What happens after a task finishes, as Celery's worker does it: links (callbacks), the next
 * chain step, chord completion, errbacks. Each sent task is reported as a child of the parent.
 */
import type { Broker, CanvasMessage, CanvasSink, Logger, ResultBackend, Serializer, SignatureData, TaskMessage } from '@celerity/core';
import { applySignature, encodeTaskMessage, messageFromSignature } from '@celerity/core';
import { buildResultMeta } from '@celerity/core/internal';

/** What follow-ups need from the worker. */
export interface FollowupContext {
  broker: Broker;
  backend: ResultBackend | null;
  serializer: Serializer;
  logger: Logger;
  defaultQueue: string;
  origin: string;
}

/** A Celery result tuple for a child task: `[[id, null], null]`. */
export type ChildTuple = [[string, null], null];

function sinkFor(ctx: FollowupContext): CanvasSink {
  return {
    publish: (messages: CanvasMessage[]) =>
      ctx.broker.publishMany(
        messages.map((m) => ({
          target: m.target,
          envelope: encodeTaskMessage({ origin: ctx.origin, ...m.init }, { serializer: ctx.serializer }),
        })),
      ),
    chordInit: async (groupId, size) => {
      await ctx.backend?.chordInit(groupId, size);
    },
    saveGroup: async (groupId, ids) => {
      await ctx.backend?.saveGroup(groupId, ids);
    },
  };
}

/** Sends callbacks and the next chain step with the task's result; returns the children sent. */
export async function sendSuccessFollowups(message: TaskMessage, value: unknown, ctx: FollowupContext): Promise<ChildTuple[]> {
  const children: ChildTuple[] = [];
  const sink = sinkFor(ctx);
  const base = {
    parentResult: { value },
    parentId: message.id,
    rootId: message.rootId ?? message.id,
    defaultQueue: ctx.defaultQueue,
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
  };
  for (const callback of message.embed.callbacks ?? []) {
    const applied = await applySignature(callback, sink, base);
    children.push([[applied.id, null], null]);
  }
  const chain = message.embed.chain;
  if (chain && chain.length > 0) {
    const remaining = chain.slice(0, -1);
    const next = chain[chain.length - 1]!;
    if (next.subtask_type) {
      const linked: SignatureData =
        remaining.length > 0
          ? { ...next, options: { ...next.options, link: [{ task: 'celery.chain', args: [], kwargs: { tasks: [...remaining].reverse() }, options: {}, subtask_type: 'chain', immutable: false }] } }
          : next;
      const applied = await applySignature(linked, sink, base);
      children.push([[applied.id, null], null]);
    } else {
      const step = messageFromSignature(next, base);
      // Celery gives the last link an empty list, not null.
      step.init.embed = { ...step.init.embed, chain: remaining };
      await sink.publish([step]);
      children.push([[step.init.id, null], null]);
    }
  }
  return children;
}

/** Records a chord header part; the part that completes the header sends (or fails) the body. */
export async function completeChordPart(message: TaskMessage, status: string, result: unknown, ctx: FollowupContext): Promise<void> {
  const body = message.embed.chord;
  if (!body || !message.group || !ctx.backend) return;
  const progress = await ctx.backend.chordPartReturn(message.group, {
    taskId: message.id,
    index: message.groupIndex ?? Number.MAX_SAFE_INTEGER,
    status,
    result,
  });
  if (!progress.complete) return;
  const failed = progress.parts.find((p) => p.status !== 'SUCCESS');
  if (failed) {
    const bodyId = typeof body.options['task_id'] === 'string' ? body.options['task_id'] : null;
    const exc = failed.result as { exc_type?: string; exc_message?: unknown[] } | null;
    const reason = `Dependency ${failed.taskId} raised ${exc?.exc_type ?? 'Exception'}(${JSON.stringify((exc?.exc_message ?? [])[0] ?? '')})`;
    ctx.logger.error(`Chord ${message.group} failed: ${reason}`);
    if (bodyId) {
      await ctx.backend.store(
        buildResultMeta({ taskId: bodyId, status: 'FAILURE', result: { exc_type: 'ChordError', exc_message: [reason], exc_module: 'celery.exceptions' } }),
      );
    }
    return;
  }
  await applySignature(body, sinkFor(ctx), {
    parentResult: { value: progress.parts.map((p) => p.result) },
    parentId: message.id,
    rootId: message.rootId ?? message.id,
    defaultQueue: ctx.defaultQueue,
  });
}

/** Sends errbacks (old-style: they receive the failed task's id). */
export async function sendErrbacks(message: TaskMessage, ctx: FollowupContext): Promise<void> {
  const errbacks = message.embed.errbacks ?? [];
  if (errbacks.length === 0) return;
  const sink = sinkFor(ctx);
  for (const errback of errbacks) {
    await applySignature({ ...errback, immutable: true, args: [message.id, ...(errback.args ?? [])] }, sink, {
      parentId: message.id,
      rootId: message.rootId ?? message.id,
      defaultQueue: ctx.defaultQueue,
    });
  }
}
