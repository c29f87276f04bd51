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

/**
 * Where a signature's result goes when it is part of a group or a chord header: the group it
 * reports to, and for a chord header the body and its position. Celery gives these to the task
 * that produces the result: a chain's last task, a chord's body, each member of a nested group.
 */
export interface Membership {
  groupId?: string;
  chord?: SignatureData;
  groupIndex?: number;
}

/** `a | b` for a chord body, as Celery's `|` does it: a chain of the two, normalised. */
function pipe(a: SignatureData, b: SignatureData): SignatureData {
  const steps: SignatureData[] = [];
  appendStep(steps, a);
  appendStep(steps, b);
  return steps.length === 1 ? steps[0]! : canvasSignature('chain', { tasks: steps });
}

/**
 * Adds a step the way Celery's `chain.__or__` does: a nested chain is inlined, a group followed by
 * anything becomes `chord(group, next)`, and whatever follows a chord joins that chord's body.
 */
function appendStep(steps: SignatureData[], step: SignatureData): void {
  if (step.subtask_type === 'chain') {
    for (const t of chainSteps(step)) appendStep(steps, t);
    return;
  }
  const last = steps[steps.length - 1];
  if (last?.subtask_type === 'group') {
    steps[steps.length - 1] = canvasSignature('chord', { kwargs: {}, header: last, body: step });
  } else if (last?.subtask_type === 'chord') {
    const { header, body } = chordParts(last);
    steps[steps.length - 1] = { ...last, kwargs: { ...last.kwargs, header, body: pipe(body, step) } };
  } else {
    steps.push(step);
  }
}

/** Inlines nested chains and upgrades groups and chords followed by anything, as Celery does. */
function normalizeChain(tasks: readonly SignatureData[]): SignatureData[] {
  const out: SignatureData[] = [];
  for (const t of tasks) appendStep(out, t);
  return out;
}

/**
 * The steps of a chain as Celery runs them: nested chains inlined, `group` followed by anything
 * upgraded to a chord, what follows a chord moved into its body, the chain's `link` moved to its
 * last step and its `link_error` added to every step.
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

/** The members of a group with nested groups inlined, in order (a group in a group is one group to Celery). */
export function groupMembers(sig: SignatureData): SignatureData[] {
  return signatureTasks(sig).flatMap((t) => (t.subtask_type === 'group' ? groupMembers(t) : [t]));
}

/**
 * How many results a chord header member reports to the chord (Celery's `chord._descend`): one
 * per task, a group's members each, a chain's last step that reports anything, a chord's body.
 */
export function chordContributions(sig: SignatureData): number {
  switch (sig.subtask_type) {
    case 'group':
      return groupMembers(sig).reduce((n, t) => n + chordContributions(t), 0);
    case 'chain': {
      const steps = chainSteps(sig);
      for (let i = steps.length - 1; i >= 0; i--) {
        const n = chordContributions(steps[i]!);
        if (n > 0) return n;
      }
      return 0;
    }
    case 'chord':
      return chordContributions(chordParts(sig).body);
    default:
      return 1;
  }
}

/** Membership written into a frozen signature's options, Celery's names. */
function withMembership(options: Record<string, unknown>, member: Membership): Record<string, unknown> {
  const out = { ...options };
  if (member.groupId !== undefined) out['group_id'] = member.groupId;
  if (member.chord !== undefined) out['chord'] = member.chord;
  if (member.groupIndex !== undefined) out['group_index'] = member.groupIndex;
  return out;
}

/**
 * Assigns ids (and `reply_to`) to a signature and everything inside it without mutating the input;
 * returns the frozen copy and where its result will be. Ids already set are kept, so freezing
 * twice (the client, then the worker continuing the workflow) changes nothing. `member` says which
 * group or chord the result reports to (Celery's `freeze(group_id, chord, group_index)`).
 */
export function freeze(sig: SignatureData, ctx: CanvasContext, member: Membership = {}): { sig: SignatureData; result: AppliedSignature } {
  switch (sig.subtask_type) {
    case 'chain': {
      const steps = chainSteps(sig);
      const tasks = steps.map((t, i) => freeze(t, ctx, i === steps.length - 1 ? member : {}));
      const last = tasks[tasks.length - 1];
      if (!last) throw new ConfigurationError('Cannot apply an empty chain');
      // The chain's links now live on its steps; keeping them here too would apply them twice.
      const { link: _link, link_error: _linkError, ...options } = sig.options ?? {};
      return { sig: { ...sig, options, kwargs: { ...sig.kwargs, tasks: tasks.map((t) => t.sig) } }, result: last.result };
    }
    case 'group': {
      const groupId = taskIdOf(sig) ?? member.groupId ?? ctx.generateId();
      // As Celery's group.freeze: members report where the group does, numbered in order. In a
      // chord header, from the group's own position on, so they do not share one with the
      // members after it.
      let next = member.chord !== undefined ? (member.groupIndex ?? 0) : 0;
      const members = groupMembers(sig).map((t) => {
        const frozen = freeze(t, ctx, { ...member, groupIndex: next });
        next += member.chord !== undefined ? chordContributions(t) : 1;
        return frozen;
      });
      // Celery's group.freeze also writes `root_id` / `parent_id` (null when unknown) into its options.
      const options = withMembership({ root_id: null, parent_id: null, ...sig.options, task_id: groupId }, member);
      return {
        sig: { ...sig, kwargs: { ...sig.kwargs, tasks: members.map((m) => m.sig) }, options },
        result: { kind: 'group', id: groupId, memberIds: members.map((m) => m.result.id) },
      };
    }
    case 'chord': {
      const { header, body } = chordParts(sig);
      const groupId = taskIdOf(header) ?? taskIdOf(sig) ?? ctx.generateId();
      const frozenBody = freeze(body, ctx, member);
      const frozenHeader = freeze({ ...header, options: { ...header.options, task_id: groupId } }, ctx, { chord: frozenBody.sig });
      return {
        sig: { ...sig, kwargs: { ...sig.kwargs, header: frozenHeader.sig, body: frozenBody.sig }, options: { ...sig.options, task_id: groupId } },
        result: frozenBody.result,
      };
    }
    default: {
      const id = taskIdOf(sig) ?? ctx.generateId();
      const options: Record<string, unknown> = withMembership({ ...sig.options, task_id: id }, member);
      if (ctx.replyTo !== undefined && options['reply_to'] === undefined) options['reply_to'] = ctx.replyTo;
      return { sig: { ...sig, options }, result: { kind: 'task', id, memberIds: [id] } };
    }
  }
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
