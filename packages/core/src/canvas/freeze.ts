/**
 * Freezing, as Celery calls it: every task of a workflow gets its id (and `reply_to`) before
 * anything is sent, so the result handle exists up front and the messages already carry the ids
 * later steps run under. Plus the signature rewrites that planning and continuing share.
 */
import { ConfigurationError } from '../errors.js';
import type { SignatureData } from '../signature.js';
import { canvasSignature, signatureTasks } from '../signature.js';

/** Where a workflow's result will be found. */
export interface AppliedSignature {
  /** `'group'` when `id` is a group, whose value is the list of its members' values. */
  kind: 'task' | 'group';
  /** The task holding the result (a chain's last task, a chord's body), or the group id. */
  id: string;
  /** A group's member ids, in order; `[id]` for a task. */
  memberIds: string[];
}

/** Ids and reply address used while freezing. */
export interface CanvasContext {
  generateId: () => string;
  /** Set as `reply_to` on every frozen task that has none (Celery uses the app's id). */
  replyTo?: string | undefined;
}

/** A signature's `options.task_id`, when set. */
export function taskIdOf(sig: SignatureData): string | undefined {
  const id = sig.options?.['task_id'];
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** `link`-style option values (one signature or a list) as a list. */
export const asList = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** A chord's header (a group signature, whatever form it came in) and body. */
export function chordParts(sig: SignatureData): { header: SignatureData; body: SignatureData } {
  const header = sig.kwargs['header'];
  const body = sig.kwargs['body'];
  if (typeof body !== 'object' || body === null) throw new ConfigurationError('A chord needs a body signature');
  const headerSig =
    typeof header === 'object' && header !== null && !Array.isArray(header)
      ? (header as SignatureData)
      : canvasSignature('group', { tasks: Array.isArray(header) ? header : [] });
  return { header: headerSig, body: body as SignatureData };
}

/** Inlines nested chains and turns `group` followed by anything into `chord(group, next)`, as Celery does. */
function normalizeChain(tasks: readonly SignatureData[]): SignatureData[] {
  const flat: SignatureData[] = [];
  for (const t of tasks) {
    if (t.subtask_type === 'chain') flat.push(...chainSteps(t));
    else flat.push(t);
  }
  const out: SignatureData[] = [];
  for (let i = 0; i < flat.length; i++) {
    const t = flat[i]!;
    const next = flat[i + 1];
    if (t.subtask_type === 'group' && next) {
      out.push(canvasSignature('chord', { kwargs: {}, header: t, body: next }));
      i++;
    } else {
      out.push(t);
    }
  }
  return out;
}

/**
 * The steps of a chain as Celery runs them: nested chains inlined, `group` followed by anything
 * upgraded to a chord, the chain's `link` moved to its last step and its `link_error` added to
 * every step.
 */
export function chainSteps(sig: SignatureData): SignatureData[] {
  const steps = normalizeChain(signatureTasks(sig));
  const link = sig.options?.['link'];
  const linkError = sig.options?.['link_error'];
  if (link === undefined && linkError === undefined) return steps;
  return steps.map((step, i) => {
    let options = step.options ?? {};
    if (linkError !== undefined) options = { ...options, link_error: [...asList(options['link_error']), ...asList(linkError)] };
    if (link !== undefined && i === steps.length - 1) options = { ...options, link: [...asList(options['link']), ...asList(link)] };
    return { ...step, options };
  });
}

/**
 * Assigns ids (and `reply_to`) to a signature and everything inside it without mutating the input;
 * returns the frozen copy and where its result will be. Ids already set are kept, so freezing
 * twice (the client, then the worker continuing the workflow) changes nothing.
 */
export function freeze(sig: SignatureData, ctx: CanvasContext): { sig: SignatureData; result: AppliedSignature } {
  switch (sig.subtask_type) {
    case 'chain': {
      const tasks = chainSteps(sig).map((t) => freeze(t, ctx));
      const last = tasks[tasks.length - 1];
      if (!last) throw new ConfigurationError('Cannot apply an empty chain');
      // The chain's links now live on its steps; keeping them here too would apply them twice.
      const { link: _link, link_error: _linkError, ...options } = sig.options ?? {};
      return { sig: { ...sig, options, kwargs: { ...sig.kwargs, tasks: tasks.map((t) => t.sig) } }, result: last.result };
    }
    case 'group': {
      const groupId = taskIdOf(sig) ?? ctx.generateId();
      const members = signatureTasks(sig).map((t) => freezeMember(t, ctx, 'group'));
      return {
        sig: { ...sig, kwargs: { ...sig.kwargs, tasks: members }, options: { ...sig.options, task_id: groupId } },
        result: { kind: 'group', id: groupId, memberIds: members.map((m) => taskIdOf(m)!) },
      };
    }
    case 'chord': {
      const { header, body } = chordParts(sig);
      const groupId = taskIdOf(header) ?? taskIdOf(sig) ?? ctx.generateId();
      const frozenBody = freeze(body, ctx);
      const members = signatureTasks(header).map((t, index) => {
        const m = freezeMember(t, ctx, 'chord header');
        return { ...m, options: { ...m.options, chord: frozenBody.sig, group_index: index } };
      });
      const frozenHeader = { ...header, kwargs: { ...header.kwargs, tasks: members }, options: { ...header.options, task_id: groupId, chord: frozenBody.sig } };
      return {
        sig: { ...sig, kwargs: { ...sig.kwargs, header: frozenHeader, body: frozenBody.sig }, options: { ...sig.options, task_id: groupId } },
        result: frozenBody.result,
      };
    }
    default: {
      const id = taskIdOf(sig) ?? ctx.generateId();
      const options: Record<string, unknown> = { ...sig.options, task_id: id };
      if (ctx.replyTo !== undefined && options['reply_to'] === undefined) options['reply_to'] = ctx.replyTo;
      return { sig: { ...sig, options }, result: { kind: 'task', id, memberIds: [id] } };
    }
  }
}

/** Group and chord members must be plain task signatures (nested canvas inside them is not supported yet). */
function freezeMember(sig: SignatureData, ctx: CanvasContext, where: string): SignatureData {
  if (sig.subtask_type) {
    throw new ConfigurationError(`A ${where} member must be a task signature, got a ${sig.subtask_type} (${sig.task}); nesting canvas inside a ${where} is not supported`);
  }
  return freeze(sig, ctx).sig;
}

/**
 * The signature as applied with a parent's result: prepended to its arguments (unless immutable),
 * to every member of a group or chord header, or to a chain's first task.
 */
export function withParentResult(sig: SignatureData, value: unknown): SignatureData {
  switch (sig.subtask_type) {
    case 'chain': {
      const [first, ...rest] = signatureTasks(sig);
      return first ? { ...sig, kwargs: { ...sig.kwargs, tasks: [withParentResult(first, value), ...rest] } } : sig;
    }
    case 'group':
      return { ...sig, kwargs: { ...sig.kwargs, tasks: signatureTasks(sig).map((t) => withParentResult(t, value)) } };
    case 'chord': {
      const { header, body } = chordParts(sig);
      return { ...sig, kwargs: { ...sig.kwargs, header: withParentResult(header, value), body } };
    }
    default:
      return sig.immutable ? sig : { ...sig, args: [value, ...(sig.args ?? [])] };
  }
}

/** The ids a (frozen) signature's results are stored under: a chain's and a group's tasks, a chord's body. */
export function resultIds(sig: SignatureData): string[] {
  switch (sig.subtask_type) {
    case 'chain':
    case 'group':
      return signatureTasks(sig).flatMap(resultIds);
    case 'chord': {
      const body = sig.kwargs['body'];
      return typeof body === 'object' && body !== null ? resultIds(body as SignatureData) : [];
    }
    default: {
      const id = taskIdOf(sig);
      return id ? [id] : [];
    }
  }
}
