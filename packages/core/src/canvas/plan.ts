/**
 * Plans how a signature (plain, chain, group, chord) goes on the wire, the way Celery's canvas
 * does: ids are frozen up front, a chain's remaining steps ride reversed in `embed.chain`, group
 * members share a `group` header, chord header tasks carry `group_index` and the body in
 * `embed.chord`. Pure: no I/O. The client applying a workflow and the worker continuing one both
 * plan with this.
 */
import { ConfigurationError } from '../errors.js';
import type { SignatureData } from '../signature.js';
import { canvasSignature } from '../signature.js';
import type { AppliedSignature, CanvasContext, Membership } from './freeze.js';
import { asList, chainSteps, chordContributions, chordParts, freeze, groupMembers, taskIdOf } from './freeze.js';
import type { MessageExtras } from './send-options.js';

/** One task message to send: a plain signature (with `options.task_id` set) and canvas fields. */
export interface CanvasJob {
  sig: SignatureData;
  extras: MessageExtras;
}

/** A chord header's size, recorded before any of its tasks is sent. */
export interface ChordInit {
  groupId: string;
  size: number;
}

/** What applying a signature takes: chord sizes to record, then messages to send. */
export interface CanvasPlan {
  /** What the signature is at the top: a task or chain (`send`), a group, or a chord. */
  kind: 'send' | 'group' | 'chord';
  jobs: CanvasJob[];
  result: AppliedSignature;
  /** Every chord's header size, nested chords included, inner ones first. */
  chords: ChordInit[];
}

/** Options that belong to a workflow as a whole, never copied onto its members. */
const OWN_OPTIONS = new Set(['task_id', 'chord', 'chain', 'link', 'link_error', 'group_id', 'group_index']);

/** Options of the outer signature as defaults for a signature it contains (routing, limits, parent ids…). */
function inherit(outer: SignatureData, inner: SignatureData): SignatureData {
  let shared: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(outer.options ?? {})) {
    // A frozen group's `root_id: null` / `parent_id: null` are placeholders, not values to pass on.
    if (OWN_OPTIONS.has(key) || value === null) continue;
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
 * A group member with the group's `link_error` added to its own: Celery's group.apply_async passes
 * the group's options, `link_error` included, to every member (replacing theirs; added here). A
 * chord's header group is applied the same way.
 */
function withGroupErrbacks(groupSig: SignatureData, m: SignatureData): SignatureData {
  const linkError = groupSig.options?.['link_error'];
  if (linkError === undefined) return m;
  return { ...m, options: { ...m.options, link_error: [...asList(m.options?.['link_error']), ...asList(linkError)] } };
}

/**
 * Plans the messages for a signature of any kind, nested to any depth.
 * @example
 * const plan = planSignature(chain(add.s(1, 2), mul.s(4)), { generateId: () => crypto.randomUUID(), replyTo });
 * // plan.jobs[0].extras.embed.chain holds mul, frozen; plan.result.id is mul's task id
 */
export function planSignature(sig: SignatureData, ctx: CanvasContext): CanvasPlan {
  const chords: ChordInit[] = [];
  const { jobs, result } = planInto(sig, ctx, {}, chords);
  const kind = sig.subtask_type === 'group' ? 'group' : chords.length > 0 ? 'chord' : 'send';
  return { kind, jobs, result, chords };
}

interface Planned {
  jobs: CanvasJob[];
  result: AppliedSignature;
}

/**
 * Plans `sig`, whose result reports to `member` (a group or chord header it belongs to), adding
 * the chord sizes it needs to `chords`.
 */
function planInto(sig: SignatureData, ctx: CanvasContext, member: Membership, chords: ChordInit[]): Planned {
  switch (sig.subtask_type) {
    case 'chain': {
      const [first, ...rest] = chainSteps(sig);
      if (!first) throw new ConfigurationError('Cannot apply an empty chain');
      const head = inherit(sig, first);
      const frozen = rest.map((t, i) => freeze(t, ctx, i === rest.length - 1 ? member : {}));
      // A chain may carry a continuation (reversed, like embed.chain) when it is a chord's body
      // inside a longer chain: its own steps run first, then those.
      const remaining = [...(asList(sig.options?.['chain']) as SignatureData[]), ...frozen.map((f) => f.sig).reverse()];
      // A chord alone in a chain still gets the (empty) rest, which Celery moves into its body.
      if (remaining.length === 0 && head.subtask_type !== 'chord') return planInto(head, ctx, member, chords);
      const last = frozen[frozen.length - 1]?.result;
      if (head.subtask_type === null) {
        const own = freeze(head, ctx);
        return { jobs: [{ sig: own.sig, extras: { embed: { chain: remaining } } }], result: last ?? own.result };
      }
      if (head.subtask_type === 'group') {
        // Only reachable through a continuation: the group and what follows make a chord.
        const body = remaining.pop()!;
        return planInto(canvasSignature('chord', { kwargs: {}, header: head, body }, { ...head.options, chain: remaining }), ctx, member, chords);
      }
      // A chain starting with a chord: the rest rides in the chord's `chain` option, which ends
      // up in the body's `embed.chain`, as in Celery.
      if (head.subtask_type === 'chord') {
        const plan = planInto({ ...head, options: { ...head.options, chain: remaining } }, ctx, rest.length === 0 ? member : {}, chords);
        return { ...plan, result: last ?? plan.result };
      }
      throw new ConfigurationError(`A chain cannot start with a ${String(head.subtask_type)} (${head.task})`);
    }
    case 'group': {
      const groupId = taskIdOf(sig) ?? member.groupId ?? ctx.generateId();
      const jobs: CanvasJob[] = [];
      const memberIds: string[] = [];
      for (const m of groupMembers(sig)) {
        // Members of a group that is itself in a chord header report to that chord; else to this group.
        const own: Membership = member.chord !== undefined ? member : { groupId };
        const planned = planMember(inherit(sig, withGroupErrbacks(sig, m)), ctx, own, chords);
        jobs.push(...planned.jobs);
        // A member whose result is a group (a chain ending in one, a chord with a group body) adds its members.
        memberIds.push(...(planned.result.kind === 'group' ? planned.result.memberIds : [planned.result.id]));
      }
      return { jobs, result: { kind: 'group', id: groupId, memberIds } };
    }
    case 'chord': {
      const withRest = chordWithContinuation(sig);
      const { header, body } = chordParts(withRest);
      const groupId = taskIdOf(header) ?? taskIdOf(sig) ?? ctx.generateId();
      const frozenBody = freeze(body, ctx, member);
      const members = groupMembers(header);
      if (members.length === 0) {
        // Celery applies the body at once with an empty list of header results.
        const args = frozenBody.sig.immutable ? frozenBody.sig.args : [[], ...frozenBody.sig.args];
        const plan = planInto(inherit(sig, { ...frozenBody.sig, args }), ctx, {}, chords);
        return { ...plan, result: frozenBody.result };
      }
      const jobs: CanvasJob[] = [];
      const inner: ChordInit[] = [];
      // A member's group_index is its first result's position among all the header's results: a
      // member reporting several (a chain ending in a group) takes that many.
      let size = 0;
      for (const m of members) {
        jobs.push(...planMember(inherit(sig, withGroupErrbacks(header, m)), ctx, { groupId, chord: frozenBody.sig, groupIndex: size }, inner).jobs);
        size += chordContributions(m);
      }
      chords.push(...inner, { groupId, size });
      return { jobs, result: frozenBody.result };
    }
    default: {
      const frozen = freeze(sig, ctx, member);
      return { jobs: [{ sig: frozen.sig, extras: {} }], result: frozen.result };
    }
  }
}

/**
 * A member of a group or chord header. A chord member's body gets the options Celery's
 * `apply_async` passes down to it (`add_to_parent: false`, and the unset `chord` of a plain group
 * or the unset `root_id` / `parent_id` of a header), so the embedded body reads as Celery's does.
 */
function planMember(sig: SignatureData, ctx: CanvasContext, member: Membership, chords: ChordInit[]): Planned {
  if (sig.subtask_type !== 'chord') return planInto(sig, ctx, member, chords);
  const { header, body } = chordParts(sig);
  const passed: Record<string, unknown> = member.chord === undefined ? { chord: null } : { root_id: null, parent_id: null };
  const marked = { ...sig, kwargs: { ...sig.kwargs, header, body: { ...body, options: { ...passed, ...body.options, add_to_parent: false } } } };
  return planInto(marked, ctx, member, chords);
}
