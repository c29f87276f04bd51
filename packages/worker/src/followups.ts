/**
 * What happens after a task finishes, as Celery's worker does it: links (callbacks), the next
 * chain step, chord completion, errbacks, failing the rest of a chain. Which signatures follow is
 * decided by core's canvas (shared with the client's eager mode); this module publishes them and
 * reports each as a child of the finished task.
 *
 * None of these functions rejects: a follow-up that cannot be sent is logged as such (naming the
 * task and what was not sent), and the results that would have come from it are stored as
 * FAILURE, so whoever waits on the workflow gets an error instead of waiting forever. The task's
 * own result is the executor's business, and its failures are reported apart.
 */
import type { AppliedSignature, Broker, CanvasSink, ResolvedSend, Clock, ExceptionInfo, Hooks, Logger, ResultBackend, ResultMeta, Serializer, SignatureData, TaskDefinition, TaskMessage, TaskRouter } from '@celerity/core';
import { ConfigurationError, applySignature, emitPublishHooks, encodeTaskMessage } from '@celerity/core';
import { buildResultMeta, errbackFollowups, exceptionInfoOf, pythonRepr, recordChordPart, remainingChainIds, successFollowups, unreachedChordParts, workflowIds } from '@celerity/core/internal';
import type { ChordPartOutcome, ResultMetaFields } from '@celerity/core/internal';
import { resultRequestOf } from './request.js';
import { resultDate } from './result-date.js';

/** The message follow-ups are sent for: what names it in logs and routes stored records to its caller. */
export type FollowupOrigin = Pick<TaskMessage, 'id' | 'task' | 'replyTo' | 'correlationId'>;

/** What follow-ups need from the worker. */
export interface FollowupContext {
  broker: Broker;
  backend: ResultBackend | null;
  serializer: Serializer;
  logger: Logger;
  /** Countdowns and expiry of the messages sent, and the `date_done` of failures stored. */
  clock: Clock;
  defaultQueue: string;
  origin: string;
  /** Registered tasks: their options (queue, priority, limits) are defaults for follow-ups. */
  tasks?: ReadonlyMap<string, TaskDefinition>;
  /** Celery's `task_routes`, compiled: where follow-ups go that name no queue. */
  route?: TaskRouter;
  /** `beforeTaskPublish` / `afterTaskPublish` are called for every message the worker sends. */
  hooks?: Hooks;
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
  const now = (): number => ctx.clock.now();
  const publish = (messages: readonly ResolvedSend[]): Promise<void> =>
    ctx.broker.publishMany(
      messages.map((m) => {
        // The worker sends with its own serializer; a signature asking for another one by name
        // gets it only if it is the same one.
        const serializer = typeof m.serializer === 'object' ? m.serializer : ctx.serializer;
        return { target: m.target, envelope: encodeTaskMessage(m.init, { serializer, now }) };
      }),
    );
  return {
    publish:
      ctx.hooks === undefined
        ? publish
        : async (messages) => {
            await emitPublishHooks(ctx.hooks, 'beforeTaskPublish', messages, 'worker', ctx.logger);
            await publish(messages);
            await emitPublishHooks(ctx.hooks, 'afterTaskPublish', messages, 'worker', ctx.logger);
          },
    chordInit: async (groupId, size) => {
      if (!ctx.backend) throw new ConfigurationError(`Chord ${groupId} needs a result backend to count its header results`);
      await ctx.backend.chordInit(groupId, size);
    },
  };
}

/** Stores records of other tasks of the same workflow, routed to the caller of `message` (rpc://). */
function storeForCaller(backend: ResultBackend, metas: readonly ResultMeta[], message: FollowupOrigin): Promise<void> {
  const request = resultRequestOf(message);
  return request === undefined ? backend.storeMany(metas) : backend.storeMany(metas, metas.map(() => request));
}

/** A FAILURE for a task of the workflow that will never run, as a child of `parentId`. */
function workflowFailure(taskId: string, exception: unknown, traceback: string | null, parentId: string, clock: Clock): ResultMeta {
  const fields: ResultMetaFields = { taskId, status: 'FAILURE', result: exception, traceback, parentId };
  const done = resultDate(clock);
  if (done !== undefined) fields.now = done;
  return buildResultMeta(fields);
}

/** What applying follow-ups sent, and what it could not send. */
interface Sent {
  children: ChildTuple[];
  /** The signature that failed and the ones after it, none of which were sent. */
  unsent: SignatureData[];
  error: unknown;
}

/** Applies the signatures in order and stops at the first that fails. */
export async function applyAll(sigs: readonly SignatureData[], message: FollowupOrigin, ctx: FollowupContext): Promise<Sent> {
  const sink = sinkFor(ctx);
  const options = {
    defaultQueue: ctx.defaultQueue,
    origin: ctx.origin,
    now: () => new Date(ctx.clock.now()),
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    ...(ctx.tasks ? { definitions: ctx.tasks } : {}),
    ...(ctx.route ? { route: ctx.route } : {}),
  };
  const children: ChildTuple[] = [];
  for (let i = 0; i < sigs.length; i++) {
    try {
      children.push(childOf(await applySignature(sigs[i]!, sink, options)));
    } catch (error) {
      return { children, unsent: sigs.slice(i), error };
    }
  }
  return { children, unsent: [], error: undefined };
}

/**
 * Logs follow-ups that could not be sent and stores FAILURE (`exception`, by default the send error)
 * for every result that would have come from them, routed to the caller of `message`.
 */
async function reportUnsent(message: FollowupOrigin, what: string, sent: Sent, ctx: FollowupContext, exception: ExceptionInfo = exceptionInfoOf(sent.error)): Promise<void> {
  const line = `Task ${message.task}[${message.id}]: sending ${what} failed: ${(sent.error as Error).message}`;
  const ids = sent.unsent.flatMap(workflowIds);
  if (ids.length === 0 || !ctx.backend) return ctx.logger.error(line, { error: sent.error });
  try {
    await storeForCaller(ctx.backend, ids.map((id) => workflowFailure(id, exception, null, message.id, ctx.clock)), message);
    ctx.logger.error(`${line}; stored FAILURE for ${ids.length} result(s) waiting on it`, { error: sent.error });
  } catch (error) {
    ctx.logger.error(`${line}; storing FAILURE for the ${ids.length} result(s) waiting on it failed too: ${(error as Error).message}`, { error: sent.error });
  }
}

/** What a signature is, for a log line: its task, or its kind for a group / chain / chord. */
function labelOf(sig: SignatureData): string {
  return sig.subtask_type ?? sig.task;
}

/** Sends callbacks and the next chain step with the task's result; returns the children sent. */
export async function sendSuccessFollowups(message: TaskMessage, value: unknown, ctx: FollowupContext): Promise<ChildTuple[]> {
  const sent = await applyAll(successFollowups(message, value), message, ctx);
  if (sent.unsent.length > 0) await reportUnsent(message, `its follow-up ${labelOf(sent.unsent[0]!)}`, sent, ctx);
  return sent.children;
}

/** Celery's error for a chord body that could not be sent (`ChordError('Callback error: …')`). */
function callbackError(error: unknown): ExceptionInfo {
  const info = exceptionInfoOf(error);
  return { exc_type: 'ChordError', exc_message: [`Callback error: ${info.exc_type}(${info.exc_message.map((m) => pythonRepr(m)).join(', ')})`], exc_module: 'celery.exceptions' };
}

/** Records a chord header part; the part that completes the header sends (or fails) the body. */
export async function completeChordPart(message: TaskMessage, status: string, result: unknown, ctx: FollowupContext): Promise<void> {
  if (!message.embed.chord || !message.group) return;
  if (!ctx.backend) {
    ctx.logger.warn(`Task ${message.id} is part of chord ${message.group}, but without a result backend its body is never sent`);
    return;
  }
  let outcome;
  try {
    outcome = await recordChordPart(ctx.backend, message, status, result);
  } catch (error) {
    ctx.logger.error(`Task ${message.task}[${message.id}]: recording its part of chord ${message.group} failed: ${(error as Error).message}`, { error });
    return;
  }
  if (outcome !== null && outcome.kind !== 'waiting') await settleChord(message, message.group, outcome, ctx.backend, ctx);
}

/**
 * A chord whose header is in: sends the body, or stores its ChordError and sends its errbacks, as
 * children of `message` (the header task that completed it, or `celery.chord_unlock`).
 */
export async function settleChord(message: FollowupOrigin, groupId: string, outcome: Exclude<ChordPartOutcome, { kind: 'waiting' }>, backend: ResultBackend, ctx: FollowupContext): Promise<void> {
  if (outcome.kind === 'ready') {
    const sent = await applyAll([outcome.body], message, ctx);
    // As Celery's backends do: the body's result fails with a ChordError naming the send error.
    if (sent.unsent.length > 0) await reportUnsent(message, `the body of chord ${groupId}`, sent, ctx, callbackError(sent.error));
    return;
  }
  ctx.logger.error(`Chord ${groupId} failed: ${outcome.reason}`);
  try {
    await storeForCaller(backend, outcome.failures, message);
  } catch (error) {
    ctx.logger.error(`Task ${message.task}[${message.id}]: storing the failure of chord ${groupId} failed: ${(error as Error).message}`, { error });
  }
  const sent = await applyAll(outcome.errbacks, message, ctx);
  if (sent.unsent.length > 0) await reportUnsent(message, `the errbacks of chord ${groupId}`, sent, ctx);
}

/**
 * After a failure: marks the rest of the chain failed with the same error (so waiting on the
 * chain's result fails too), records the failure with any chord a later step belonged to, then
 * sends the errbacks with the failed task's id.
 */
export async function sendFailureFollowups(message: TaskMessage, exception: unknown, traceback: string | null, ctx: FollowupContext): Promise<void> {
  const rest = remainingChainIds(message);
  if (rest.length > 0 && ctx.backend) {
    try {
      await storeForCaller(ctx.backend, rest.map((id) => workflowFailure(id, exception, traceback, message.id, ctx.clock)), message);
    } catch (error) {
      ctx.logger.error(`Task ${message.task}[${message.id}]: storing FAILURE for the rest of its chain failed: ${(error as Error).message}`, { error });
    }
  }
  // A chord member later in the chain will never run: it reports the failure to its chord instead.
  for (const part of unreachedChordParts(message)) {
    const { id, group, groupIndex, embed } = part;
    await completeChordPart({ ...message, id, group: group ?? null, groupIndex: groupIndex ?? null, embed: { ...message.embed, chain: [], chord: embed?.chord ?? null } }, 'FAILURE', exception, ctx);
  }
  const sent = await applyAll(errbackFollowups(message), message, ctx);
  if (sent.unsent.length > 0) await reportUnsent(message, 'its errbacks', sent, ctx);
}
