/**
 * Applying a signature: plan it, resolve each planned job into a message, count a chord's header,
 * then hand the messages to a sink that publishes them. The client (sending a workflow) and the
 * worker (continuing one) differ only in their sink.
 */
import type { SignatureData } from '../signature.js';
import type { TaskDefinition } from '../task.js';
import type { TaskRouter } from '../config/routes.js';
import type { AppliedSignature } from './freeze.js';
import type { CanvasJob } from './plan.js';
import { planSignature } from './plan.js';
import type { MessageExtras, ResolveContext, ResolvedSend } from './send-options.js';
import { resolveSend } from './send-options.js';
import { fromSignatureOptions } from './signature-options.js';

/** Where applying a signature sends things. */
export interface CanvasSink {
  /**
   * Sends the messages, in order (ideally in one round trip). `result` says where the
   * workflow's result will be, e.g. to start watching for it before anything runs.
   */
  publish(messages: ResolvedSend[], result: AppliedSignature): Promise<void>;
  /**
   * Records a chord's header size; called for every chord of the workflow (nested ones first),
   * before any message is published.
   */
  chordInit(groupId: string, size: number): Promise<void>;
  /** Saves a group's member ids before its messages are published (so it can be restored by id). */
  saveGroup?(groupId: string, memberIds: string[]): Promise<void>;
}

/** Options of {@link applySignature}. */
export interface ApplySignatureOptions {
  /** Queue for tasks that name none. @default 'celery' */
  defaultQueue?: string;
  /** `reply_to` of every message (the sender's id). @default none */
  replyTo?: string;
  /** The `origin` header. @default `gen<pid>@<hostname>` */
  origin?: string;
  /** Clock seam (countdown, expires). @default () => new Date() */
  now?: () => Date;
  /** Task id factory. @default crypto.randomUUID */
  generateId?: () => string;
  /** Task definitions by name: their options (queue, priority, limits) become send defaults. */
  definitions?: ReadonlyMap<string, TaskDefinition>;
  /** Celery's `task_routes`, compiled by `createTaskRouter`: where tasks that name no queue go. */
  route?: TaskRouter;
}

function mergeExtras(fromOptions: MessageExtras, planned: MessageExtras): MessageExtras {
  const out: MessageExtras = { ...fromOptions, ...planned };
  if (fromOptions.embed && planned.embed) out.embed = { ...fromOptions.embed, ...planned.embed };
  return out;
}

/** The message for one planned job: its Celery options as send options, plus the canvas fields. */
export function resolveJob(job: CanvasJob, context: ResolveContext, definitions?: ReadonlyMap<string, TaskDefinition>): ResolvedSend {
  const { send, extras } = fromSignatureOptions(job.sig.options ?? {});
  return resolveSend(job.sig.task, definitions?.get(job.sig.task), job.sig.args ?? [], job.sig.kwargs ?? {}, send, context, mergeExtras(extras, job.extras));
}

function resolveContext(options: ApplySignatureOptions): ResolveContext {
  const context: ResolveContext = {
    defaultQueue: options.defaultQueue ?? 'celery',
    now: options.now ?? (() => new Date()),
    generateId: options.generateId ?? (() => crypto.randomUUID()),
  };
  if (options.replyTo !== undefined) context.replyTo = options.replyTo;
  if (options.origin !== undefined) context.origin = options.origin;
  if (options.route !== undefined) context.route = options.route;
  return context;
}

/**
 * Sends a signature of any kind (task, chain, group, chord, nested in one another to any depth) as
 * Celery's canvas does and reports where its result will be. Nothing is published when planning
 * or a chord's header count fails.
 * @example
 * const sink: CanvasSink = {
 *   publish: (messages) => broker.publishMany(messages.map((m) => ({ target: m.target, envelope: encodeTaskMessage(m.init, { serializer }) }))),
 *   chordInit: (groupId, size) => backend.chordInit(groupId, size),
 * };
 * const applied = await applySignature(chain(add.s(2, 2), mul.s(10)), sink, { replyTo: appId });
 * await backend.wait(applied.id, { timeout: 10 });
 */
export async function applySignature(sig: SignatureData, sink: CanvasSink, options: ApplySignatureOptions = {}): Promise<AppliedSignature> {
  const context = resolveContext(options);
  const plan = planSignature(sig, { generateId: context.generateId, replyTo: context.replyTo });
  const messages = plan.jobs.map((job) => resolveJob(job, context, options.definitions));
  for (const { groupId, size } of plan.chords) await sink.chordInit(groupId, size);
  if (plan.kind === 'group') await sink.saveGroup?.(plan.result.id, plan.result.memberIds);
  await sink.publish(messages, plan.result);
  return plan.result;
}
