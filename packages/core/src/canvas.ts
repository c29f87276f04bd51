/**
 * Turns signatures (plain, chain, group, chord) into task messages the way Celery's canvas does,
 * so a client applying a workflow and a worker continuing one produce the same wire messages.
 */
import type { PublishTarget } from './broker.js';
import type { TaskMessageInit } from './message.js';
import type { SignatureData } from './signature.js';
import { signatureTasks } from './signature.js';

/** One message ready to publish. */
export interface CanvasMessage {
  init: TaskMessageInit;
  target: PublishTarget;
}

/** Where applying a signature sends things. */
export interface CanvasSink {
  /** Publishes messages (in order, ideally in one round trip). */
  publish(messages: CanvasMessage[]): Promise<void>;
  /** Records a chord header size before the header is sent. */
  chordInit(groupId: string, size: number): Promise<void>;
  /** Saves a group's member ids (optional). */
  saveGroup?(groupId: string, taskIds: string[]): Promise<void>;
}

/** Context of an application: who sends it and what the parent returned. */
export interface ApplyContext {
  /** Value of the parent's result, prepended to args unless the signature is immutable. */
  parentResult?: { value: unknown };
  parentId?: string | null;
  rootId?: string | null;
  replyTo?: string;
  /** Queue used when the signature names none. @default 'celery' */
  defaultQueue?: string;
  /** Id factory. @default crypto.randomUUID */
  newId?: () => string;
}

/** What was sent: the id whose result is the workflow's result, and all the task ids. */
export interface AppliedSignature {
  /** For a chain: the last task; for a chord: the body; for a group: the group id. */
  id: string;
  kind: 'task' | 'chain' | 'group' | 'chord';
  /** Group members' ids (group) or header ids (chord). */
  memberIds: string[];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const sigList = (v: unknown): SignatureData[] | undefined => (Array.isArray(v) ? (v as SignatureData[]) : v && typeof v === 'object' ? [v as SignatureData] : undefined);

/** Builds the message for a plain task signature (`subtask_type` null). */
export function messageFromSignature(sig: SignatureData, context: ApplyContext = {}, extra: Partial<TaskMessageInit> = {}): CanvasMessage {
  const o = sig.options ?? {};
  const newId = context.newId ?? (() => crypto.randomUUID());
  const id = str(o['task_id']) ?? newId();
  const args = context.parentResult && !sig.immutable ? [context.parentResult.value, ...(sig.args ?? [])] : [...(sig.args ?? [])];
  const countdown = num(o['countdown']);
  const etaOpt = o['eta'];
  const eta = etaOpt instanceof Date ? etaOpt : typeof etaOpt === 'string' ? new Date(etaOpt) : countdown !== undefined ? new Date(Date.now() + countdown * 1000) : null;
  const expiresOpt = o['expires'];
  const expires = expiresOpt instanceof Date ? expiresOpt : typeof expiresOpt === 'string' ? new Date(expiresOpt) : num(expiresOpt) !== undefined ? new Date(Date.now() + num(expiresOpt)! * 1000) : null;
  const stampedHeaders = Array.isArray(o['stamped_headers']) ? (o['stamped_headers'] as string[]) : [];
  const stamps: Record<string, unknown> = {};
  for (const name of stampedHeaders) stamps[name] = o[name];
  const queue = str(o['queue']) ?? context.defaultQueue ?? 'celery';
  const init: TaskMessageInit = {
    task: sig.task,
    id,
    args,
    kwargs: { ...(sig.kwargs ?? {}) },
    embed: {
      callbacks: sigList(o['link']) ?? null,
      errbacks: sigList(o['link_error']) ?? null,
      chain: null,
      chord: (o['chord'] as SignatureData | undefined) ?? null,
    },
    eta,
    expires,
    rootId: str(o['root_id']) ?? context.rootId ?? id,
    parentId: str(o['parent_id']) ?? context.parentId ?? null,
    group: str(o['group_id']) ?? null,
    groupIndex: num(o['group_index']) ?? null,
    shadow: str(o['shadow']) ?? null,
    timeLimit: [num(o['time_limit']) ?? null, num(o['soft_time_limit']) ?? null],
    stamps,
    ...extra,
  };
  const replyTo = str(o['reply_to']) ?? context.replyTo;
  if (replyTo) init.replyTo = replyTo;
  const priority = num(o['priority']);
  if (priority !== undefined) init.priority = priority;
  if (typeof o['ignore_result'] === 'boolean') init.ignoreResult = o['ignore_result'];
  if (o['headers'] && typeof o['headers'] === 'object') init.headers = o['headers'] as Record<string, unknown>;
  const target: PublishTarget = { queue };
  const exchange = str(o['exchange']);
  if (exchange) target.exchange = exchange;
  const routingKey = str(o['routing_key']);
  if (routingKey) target.routingKey = routingKey;
  return { init, target };
}

/** Gives every member without a `task_id` one, so ids are known before anything is sent. */
function withId(sig: SignatureData, newId: () => string): SignatureData {
  if (str(sig.options?.['task_id'])) return sig;
  return { ...sig, options: { ...sig.options, task_id: newId() } };
}

/**
 * Sends a signature of any kind and reports the id holding its result.
 * @example
 * const applied = await applySignature(chain(add.s(2, 2), mul.s(10)), sink, { replyTo });
 */
export async function applySignature(sig: SignatureData, sink: CanvasSink, context: ApplyContext = {}): Promise<AppliedSignature> {
  const newId = context.newId ?? (() => crypto.randomUUID());
  const ctx = { ...context, newId };
  switch (sig.subtask_type) {
    case 'chain': {
      const tasks = signatureTasks(sig).map((t) => withId(t, newId));
      if (tasks.length === 0) throw new TypeError('cannot apply an empty chain');
      const [first, ...rest] = tasks as [SignatureData, ...SignatureData[]];
      if (first.subtask_type) {
        // A chain starting with a group/chord: send it with the rest attached as its continuation.
        const linked: SignatureData = rest.length > 0 ? { ...first, options: { ...first.options, link: [chainOf(rest)] } } : first;
        const applied = await applySignature(linked, sink, ctx);
        return { id: lastTaskId(tasks) ?? applied.id, kind: 'chain', memberIds: applied.memberIds };
      }
      const message = messageFromSignature(first, ctx);
      message.init.embed = { ...message.init.embed, chain: rest.length > 0 ? [...rest].reverse() : null };
      await sink.publish([message]);
      return { id: lastTaskId(tasks) ?? message.init.id, kind: 'chain', memberIds: tasks.map((t) => String(t.options['task_id'])) };
    }
    case 'group': {
      const groupId = str(sig.options?.['task_id']) ?? str(sig.options?.['group_id']) ?? newId();
      const members = signatureTasks(sig).map((t) => withId(t, newId));
      const messages = members.map((m) => {
        const msg = messageFromSignature(m, ctx);
        msg.init.group = groupId;
        msg.init.groupIndex = null;
        return msg;
      });
      await sink.saveGroup?.(groupId, messages.map((m) => m.init.id));
      await sink.publish(messages);
      return { id: groupId, kind: 'group', memberIds: messages.map((m) => m.init.id) };
    }
    case 'chord': {
      const header = sig.kwargs['header'] as SignatureData | undefined;
      const body = withId((sig.kwargs['body'] as SignatureData | undefined) ?? missingBody(), newId);
      const groupId = str(header?.options?.['task_id']) ?? newId();
      const members = (header ? signatureTasks(header) : []).map((t) => withId(t, newId));
      await sink.chordInit(groupId, members.length);
      const messages = members.map((m, index) => {
        const msg = messageFromSignature(m, ctx);
        msg.init.group = groupId;
        msg.init.groupIndex = index;
        msg.init.embed = { ...msg.init.embed, chord: body };
        return msg;
      });
      await sink.publish(messages);
      return { id: String(body.options['task_id']), kind: 'chord', memberIds: messages.map((m) => m.init.id) };
    }
    default: {
      const message = messageFromSignature(sig, ctx);
      await sink.publish([message]);
      return { id: message.init.id, kind: 'task', memberIds: [message.init.id] };
    }
  }
}

function chainOf(tasks: SignatureData[]): SignatureData {
  return { task: 'celery.chain', args: [], kwargs: { tasks }, options: {}, subtask_type: 'chain', immutable: false };
}

function lastTaskId(tasks: SignatureData[]): string | undefined {
  const last = tasks[tasks.length - 1];
  if (!last) return undefined;
  if (last.subtask_type === 'chord') return str((last.kwargs['body'] as SignatureData | undefined)?.options?.['task_id']);
  return str(last.options?.['task_id']);
}

function missingBody(): never {
  throw new TypeError('a chord needs a body signature');
}
