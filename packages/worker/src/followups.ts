/**
 * What happens after a task finishes, as Celery's worker does it: links (callbacks), the next
 * chain step, chord completion, errbacks, failing the rest of a chain. Which signatures follow is
 * decided by core's canvas (shared with the client's eager mode); this module publishes them and
 * reports each as a child of the finished task.
 */
import type { AppliedSignature, Broker, CanvasSink, Logger, ResultBackend, ResultMeta, Serializer, SignatureData, TaskDefinition, TaskMessage } from '@celerity/core';
import { ConfigurationError, applySignature, encodeTaskMessage } from '@celerity/core';
import { buildResultMeta, errbackFollowups, recordChordPart, remainingChainIds, successFollowups } from '@celerity/core/internal';
import { resultRequestOf } from './request.js';

/** What follow-ups need from the worker. */
export interface FollowupContext {
  broker: Broker;
  backend: ResultBackend | null;
  serializer: Serializer;
  logger: Logger;
  defaultQueue: string;
  origin: string;
  /** Registered tasks: their options (queue, priority, limits) are defaults for follow-ups. */
  tasks?: ReadonlyMap<string, TaskDefinition>;
}

/**
 * A child in Celery's result tuple form: a task `[[id, null], null]`, a group
 * `[[groupId, null], [members…]]`.
 */
export type ChildTuple = [[string, null], null] | [[string, null], ChildTuple[]];

function childOf(applied: AppliedSignature): ChildTuple {
  if (applied.kind === 'task') return [[applied.id, null], null];
  return [[applied.id, null], applied.memberIds.map((id): ChildTuple => [[id, null], null])];
}

function sinkFor(ctx: FollowupContext): CanvasSink {
  return {
    publish: (messages) =>
      ctx.broker.publishMany(
        messages.map((m) => {
          // The worker sends with its own serializer; a signature asking for another one by name
          // gets it only if it is the same one.
          const serializer = typeof m.serializer === 'object' ? m.serializer : ctx.serializer;
          return { target: m.target, envelope: encodeTaskMessage(m.init, { serializer }) };
        }),
      ),
    chordInit: async (groupId, size) => {
      if (!ctx.backend) throw new ConfigurationError(`Chord ${groupId} needs a result backend to count its header results`);
      await ctx.backend.chordInit(groupId, size);
    },
  };
}

async function applyAll(sigs: readonly SignatureData[], message: TaskMessage, ctx: FollowupContext): Promise<ChildTuple[]> {
  const sink = sinkFor(ctx);
  const options = {
    defaultQueue: ctx.defaultQueue,
    origin: ctx.origin,
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    ...(ctx.tasks ? { definitions: ctx.tasks } : {}),
  };
  const children: ChildTuple[] = [];
  for (const sig of sigs) children.push(childOf(await applySignature(sig, sink, options)));
  return children;
}

/** Sends callbacks and the next chain step with the task's result; returns the children sent. */
export function sendSuccessFollowups(message: TaskMessage, value: unknown, ctx: FollowupContext): Promise<ChildTuple[]> {
  return applyAll(successFollowups(message, value), message, ctx);
}

/** Stores records of other tasks of the same workflow, routed to the caller of `message` (rpc://). */
function storeForCaller(backend: ResultBackend, metas: readonly ResultMeta[], message: TaskMessage): Promise<void> {
  const request = resultRequestOf(message);
  return request === undefined ? backend.storeMany(metas) : backend.storeMany(metas, metas.map(() => request));
}

/** Records a chord header part; the part that completes the header sends (or fails) the body. */
export async function completeChordPart(message: TaskMessage, status: string, result: unknown, ctx: FollowupContext): Promise<void> {
  if (!message.embed.chord || !message.group) return;
  if (!ctx.backend) {
    ctx.logger.warn(`Task ${message.id} is part of chord ${message.group}, but without a result backend its body is never sent`);
    return;
  }
  const outcome = await recordChordPart(ctx.backend, message, status, result);
  if (outcome?.kind === 'ready') await applyAll([outcome.body], message, ctx);
  else if (outcome?.kind === 'failed') {
    ctx.logger.error(`Chord ${message.group} failed: ${outcome.reason}`);
    await storeForCaller(ctx.backend, outcome.failures, message);
    await applyAll(outcome.errbacks, message, ctx);
  }
}

/**
 * After a failure: marks the rest of the chain failed with the same error (so waiting on the
 * chain's result fails too), then sends the errbacks with the failed task's id.
 */
export async function sendFailureFollowups(message: TaskMessage, exception: unknown, traceback: string | null, ctx: FollowupContext): Promise<void> {
  const rest = remainingChainIds(message);
  if (rest.length > 0 && ctx.backend) {
    await storeForCaller(ctx.backend, rest.map((id) => buildResultMeta({ taskId: id, status: 'FAILURE', result: exception, traceback, parentId: message.id })), message);
  }
  await applyAll(errbackFollowups(message), message, ctx);
}
