/**
 * Plans how a signature (plain, chain, group, chord) goes on the wire, the way Celery's canvas
 * does: ids are frozen up front, a chain's remaining steps ride reversed in `embed.chain`, group
 * members share a `group` header, chord header tasks carry `group_index` and the body in
 * `embed.chord`. Pure: no I/O. The client applying a workflow and the worker continuing one both
 * plan with this.
 */
import { ConfigurationError } from '../errors.js';
import type { SignatureData } from '../signature.js';
import { canvasSignature, signatureTasks } from '../signature.js';
import type { AppliedSignature, CanvasContext } from './freeze.js';
import { asList, chainSteps, chordParts, freeze, taskIdOf } from './freeze.js';
import type { MessageExtras } from './send-options.js';

/** One task message to send: a plain signature (with `options.task_id` set) and canvas fields. */
export interface CanvasJob {
  sig: SignatureData;
  extras: MessageExtras;
}

/** What applying a signature takes: messages, and for a chord the header to count first. */
export type CanvasPlan =
  | { kind: 'send'; jobs: CanvasJob[]; result: AppliedSignature }
  | { kind: 'group'; groupId: string; jobs: CanvasJob[]; result: AppliedSignature }
  | { kind: 'chord'; groupId: string; jobs: CanvasJob[]; result: AppliedSignature };

/** Options that belong to a workflow as a whole, never copied onto its members. */
const OWN_OPTIONS = new Set(['task_id', 'chord', 'chain', 'link', 'link_error', 'group_id', 'group_index']);

/** Options of the outer signature as defaults for a signature it contains (routing, limits, parent ids…). */
function inherit(outer: SignatureData, inner: SignatureData): SignatureData {
  let shared: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(outer.options ?? {})) {
    if (OWN_OPTIONS.has(key)) continue;
    (shared ??= {})[key] = value;
  }
  return shared ? { ...inner, options: { ...shared, ...inner.options } } : inner;
}

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
 * Plans the messages for a signature of any kind.
 * @example
 * const plan = planSignature(chain(add.s(1, 2), mul.s(4)), { generateId: () => crypto.randomUUID(), replyTo });
 * // plan.jobs[0].extras.embed.chain holds mul, frozen; plan.result.id is mul's task id
 */
export function planSignature(sig: SignatureData, ctx: CanvasContext): CanvasPlan {
  switch (sig.subtask_type) {
    case 'chain': {
      const [first, ...rest] = chainSteps(sig);
      if (!first) throw new ConfigurationError('Cannot apply an empty chain');
      const head = inherit(sig, first);
      const frozen = rest.map((t) => freeze(t, ctx));
      // A chain may carry a continuation (reversed, like embed.chain) when it is a chord's body
      // inside a longer chain: its own steps run first, then those.
      const remaining = [...(asList(sig.options?.['chain']) as SignatureData[]), ...frozen.map((f) => f.sig).reverse()];
      if (remaining.length === 0) return planSignature(head, ctx);
      const last = frozen[frozen.length - 1]?.result;
      if (head.subtask_type === null) {
        const own = freeze(head, ctx);
        return { kind: 'send', jobs: [{ sig: own.sig, extras: { embed: { chain: remaining } } }], result: last ?? own.result };
      }
      if (head.subtask_type === 'group') {
        // Only reachable through a continuation: the group and what follows make a chord.
        const body = remaining.pop()!;
        return planSignature(canvasSignature('chord', { kwargs: {}, header: head, body }, { ...head.options, chain: remaining }), ctx);
      }
      // A chain starting with a chord (a leading group was upgraded to one): the rest rides in the
      // chord's `chain` option, which ends up in the body's `embed.chain`, as in Celery.
      if (head.subtask_type === 'chord') {
        const plan = planSignature({ ...head, options: { ...head.options, chain: remaining } }, ctx);
        return { ...plan, result: last ?? plan.result };
      }
      throw new ConfigurationError(`A chain cannot start with a ${String(head.subtask_type)} (${head.task})`);
    }
    case 'group': {
      const frozen = freeze(sig, ctx);
      const result = frozen.result;
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
        const plan = planSignature(inherit(sig, { ...body, args }), ctx);
        return { ...plan, result: frozen.result };
      }
      const jobs = members.map((m, index) => {
        const { chord: _chord, group_index: _index, ...options } = m.options;
        return { sig: inherit(sig, { ...m, options }), extras: { group: groupId, groupIndex: index, embed: { chord: body } } };
      });
      return { kind: 'chord', groupId, jobs, result: frozen.result };
    }
    default: {
      const frozen = freeze(sig, ctx);
      return { kind: 'send', jobs: [{ sig: frozen.sig, extras: {} }], result: frozen.result };
    }
  }
}

