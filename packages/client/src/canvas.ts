/**
 * Plans how a signature (plain, chain, group, chord) goes on the wire, the way Celery's canvas
 * does: ids are assigned up front ("freezing"), a chain's remaining links ride reversed in
 * `embed.chain`, and `group | task` inside a chain is upgraded to a chord. Pure: no I/O.
 */
import type { SignatureData } from '@celerity/core';
import { ConfigurationError, signatureTasks } from '@celerity/core';
import type { MessageExtras } from './send-options.js';

/** Where a workflow's result will be found. */
export type ResultRef = { kind: 'task'; id: string } | { kind: 'group'; id: string; members: string[] };

/** One task message to send: a plain signature (with `options.task_id` set) and canvas fields. */
export interface CanvasJob {
  sig: SignatureData;
  extras: MessageExtras;
}

/** What applying a signature takes. */
export type CanvasPlan =
  | { kind: 'send'; jobs: CanvasJob[]; result: ResultRef }
  | { kind: 'group'; groupId: string; jobs: CanvasJob[]; result: ResultRef & { kind: 'group' } }
  | { kind: 'chord'; groupId: string; jobs: CanvasJob[]; result: ResultRef };

/** Ids and reply address used while freezing. */
export interface CanvasContext {
  generateId: () => string;
  replyTo: string;
}

const taskIdOf = (sig: SignatureData): string | undefined => {
  const id = sig.options?.['task_id'];
  return typeof id === 'string' && id.length > 0 ? id : undefined;
};

function makeSig(task: string, kwargs: Record<string, unknown>, options: Record<string, unknown>, type: SignatureData['subtask_type']): SignatureData {
  return { task, args: [], kwargs, options, subtask_type: type, immutable: false };
}

/** Inlines nested chains and turns `group` followed by anything into `chord(group, next)`, as Celery does. */
export function normalizeChain(tasks: readonly SignatureData[]): SignatureData[] {
  const flat: SignatureData[] = [];
  const visit = (list: readonly SignatureData[]): void => {
    for (const t of list) {
      if (t.subtask_type === 'chain') visit(signatureTasks(t));
      else flat.push(t);
    }
  };
  visit(tasks);
  const out: SignatureData[] = [];
  for (let i = 0; i < flat.length; i++) {
    const t = flat[i]!;
    const next = flat[i + 1];
    if (t.subtask_type === 'group' && next) {
      out.push(makeSig('celery.chord', { header: t, body: next, kwargs: {} }, {}, 'chord'));
      i++;
    } else {
      out.push(t);
    }
  }
  return out;
}

/**
 * Assigns ids (and `reply_to`) to a signature and everything inside it without mutating the input;
 * returns the frozen copy and where its result will be.
 */
export function freeze(sig: SignatureData, ctx: CanvasContext): { sig: SignatureData; result: ResultRef } {
  switch (sig.subtask_type) {
    case 'chain': {
      const tasks = normalizeChain(signatureTasks(sig)).map((t) => freeze(t, ctx));
      const last = tasks[tasks.length - 1];
      if (!last) throw new ConfigurationError('Cannot apply an empty chain');
      return { sig: { ...sig, kwargs: { ...sig.kwargs, tasks: tasks.map((t) => t.sig) } }, result: last.result };
    }
    case 'group': {
      const groupId = taskIdOf(sig) ?? ctx.generateId();
      const members = signatureTasks(sig).map((t) => freezeMember(t, ctx, 'group'));
      return {
        sig: { ...sig, kwargs: { ...sig.kwargs, tasks: members }, options: { ...sig.options, task_id: groupId } },
        result: { kind: 'group', id: groupId, members: members.map((m) => taskIdOf(m)!) },
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
      return { sig: { ...sig, options: { ...sig.options, task_id: id, reply_to: ctx.replyTo } }, result: { kind: 'task', id } };
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

function chordParts(sig: SignatureData): { header: SignatureData; body: SignatureData } {
  const header = sig.kwargs['header'];
  const body = sig.kwargs['body'];
  if (typeof body !== 'object' || body === null) throw new ConfigurationError('A chord needs a body signature');
  const headerSig =
    typeof header === 'object' && header !== null && !Array.isArray(header)
      ? (header as SignatureData)
      : makeSig('celery.group', { tasks: Array.isArray(header) ? header : [] }, {}, 'group');
  return { header: headerSig, body: body as SignatureData };
}

/** Options that belong to a workflow as a whole, never copied onto its members. */
const OWN_OPTIONS = new Set(['task_id', 'chord', 'chain', 'link', 'link_error', 'group_id', 'group_index']);

/** Options of the outer signature as defaults for a signature it contains (routing, limits…). */
function inherit(outer: SignatureData, inner: SignatureData): SignatureData {
  let shared: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(outer.options ?? {})) {
    if (OWN_OPTIONS.has(key)) continue;
    (shared ??= {})[key] = value;
  }
  return shared ? { ...inner, options: { ...shared, ...inner.options } } : inner;
}

const asList = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/**
 * What runs after a chord runs after its body: Celery moves the chord's `chain`, `link` and
 * `link_error` options onto the body (links are added to the body's own).
 */
function chordWithContinuation(sig: SignatureData): SignatureData {
  const o = sig.options ?? {};
  if (o['chain'] === undefined && o['link'] === undefined && o['link_error'] === undefined) return sig;
  const { header, body } = chordParts(sig);
  const options = { ...body.options };
  if (o['chain'] !== undefined) options['chain'] = o['chain'];
  for (const key of ['link', 'link_error']) {
    if (o[key] !== undefined) options[key] = [...asList(body.options?.[key]), ...asList(o[key])];
  }
  return { ...sig, kwargs: { ...sig.kwargs, header, body: { ...body, options } } };
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

/** Plans the messages for a signature of any kind. */
export function planSignature(sig: SignatureData, ctx: CanvasContext): CanvasPlan {
  switch (sig.subtask_type) {
    case 'chain': {
      const steps = normalizeChain(signatureTasks(sig));
      const [first, ...rest] = steps;
      if (!first) throw new ConfigurationError('Cannot apply an empty chain');
      const head = inherit(sig, first);
      if (rest.length === 0) return planSignature(head, ctx);
      const frozen = rest.map((t) => freeze(t, ctx));
      const result = frozen[frozen.length - 1]!.result;
      if (head.subtask_type === null) {
        const own = freeze(head, ctx).sig;
        return { kind: 'send', jobs: [{ sig: own, extras: { embed: { chain: frozen.map((f) => f.sig).reverse() } } }], result };
      }
      // A chain starting with a chord (a leading group was upgraded to one by normalizeChain): the
      // rest runs as a link of the chord body. Python and Celerity workers both apply a body's
      // links with its result, which is exactly a chain's next step.
      if (head.subtask_type === 'chord') {
        const next = frozen.length === 1 ? frozen[0]!.sig : makeSig('celery.chain', { tasks: frozen.map((f) => f.sig) }, {}, 'chain');
        const plan = planSignature({ ...head, options: { ...head.options, link: [...asList(head.options?.['link']), next] } }, ctx);
        return { ...plan, result } as CanvasPlan;
      }
      throw new ConfigurationError(`A chain cannot start with a ${String(head.subtask_type)} (${head.task})`);
    }
    case 'group': {
      const frozen = freeze(sig, ctx);
      const result = frozen.result as ResultRef & { kind: 'group' };
      const jobs = signatureTasks(frozen.sig).map((m) => ({ sig: inherit(sig, m), extras: { group: result.id, groupIndex: null } }));
      return { kind: 'group', groupId: result.id, jobs, result };
    }
    case 'chord': {
      const frozen = freeze(chordWithContinuation(sig), ctx);
      const { header, body } = chordParts(frozen.sig);
      const groupId = taskIdOf(header)!;
      const members = signatureTasks(header);
      if (members.length === 0) {
        // Celery applies the body at once with an empty list of header results.
        const args = body.immutable ? body.args : [[], ...body.args];
        const plan = planSignature({ ...body, args }, ctx);
        return { ...plan, result: frozen.result } as CanvasPlan;
      }
      const jobs = members.map((m, index) => {
        const { chord: _chord, group_index: _index, ...options } = m.options;
        return { sig: inherit(sig, { ...m, options }), extras: { group: groupId, groupIndex: index, embed: { chord: body } } };
      });
      return { kind: 'chord', groupId, jobs, result: frozen.result };
    }
    default: {
      const frozen = freeze(sig, ctx);
      const { reply_to: _replyTo, ...options } = frozen.sig.options;
      return { kind: 'send', jobs: [{ sig: { ...frozen.sig, options }, extras: {} }], result: frozen.result };
    }
  }
}
