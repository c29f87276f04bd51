/** Canvas planning and follow-up rules that the captured vectors do not show. */
import { describe, expect, it } from 'vitest';
import type { SignatureData } from '@celerity/core';
import { ConfigurationError, chain, chord, createMemoryBackend, group, immutable, signature, toSignatureOptions } from '@celerity/core';
import { recordChordPart, remainingChainIds, successFollowups, unreachedChordParts } from '@celerity/core/internal';
import { chordContributions, freeze, withParentResult } from '../src/canvas/freeze.js';
import { planSignature } from '../src/canvas/plan.js';
import { fromSignatureOptions } from '../src/canvas/signature-options.js';

const add = (...args: unknown[]) => signature('tasks.add', args);
const mul = (...args: unknown[]) => signature('tasks.mul', args);
const xsum = () => signature('tasks.xsum');

function ids() {
  let n = 0;
  return { generateId: () => `id-${++n}`, replyTo: 'me' };
}

describe('freeze', () => {
  it('keeps ids and reply_to already set, so a worker re-freezing changes nothing', () => {
    const once = freeze(chain(add(1, 1), chord([mul(2), mul(3)], xsum())), ids());
    const twice = freeze(once.sig, { generateId: () => 'fresh', replyTo: 'worker' });
    expect(twice).toEqual(once);
    expect(JSON.stringify(once.sig)).not.toContain('fresh');
  });

  it('accepts canvas nested inside a group and refuses empty chains', () => {
    const frozen = freeze(group([chain(add(1, 1), mul(2)), group([add(2, 2)])]), ids());
    // The nested group is inlined; the chain's result is its last task.
    expect(frozen.result.memberIds).toEqual(['id-3', 'id-4']);
    expect(() => planSignature({ ...chain(add(1, 1)), kwargs: { tasks: [] } }, ids())).toThrow(/empty chain/);
  });
});

describe('planSignature', () => {
  it('moves what follows a chord in a chain into its body, as Celery’s | does', () => {
    // chain(a, chord(header, chain(b, c)), d) is chain(a, chord(header, chain(b, c, d))).
    const plan = planSignature(chain(add(1, 1), chord([mul(2)], chain(xsum(), mul(10))), add(5)), ids());
    const [job] = plan.jobs;
    const [chordSig, ...more] = job!.extras.embed!.chain!;
    expect(more).toEqual([]);
    const bodySteps = (chordSig!.kwargs['body'] as SignatureData).kwargs['tasks'] as SignatureData[];
    expect(bodySteps.map((s) => s.task)).toEqual(['tasks.xsum', 'tasks.mul', 'tasks.add']);
    expect(plan.result.id).toBe(bodySteps[2]!.options['task_id']);
    // What the worker does after the first task: apply the chord with its result.
    const next = planSignature(successFollowups({ id: 'first', embed: { chain: [chordSig!] } }, 2)[0]!, ids());
    expect(next.kind).toBe('chord');
    const body = next.jobs[0]!.sig.options['chord'] as SignatureData;
    expect(body.subtask_type).toBe('chain');
    // And once the header is done: the body chain's first task carries the rest of it, reversed.
    const bodyPlan = planSignature(withParentResult(body, [4]), ids());
    expect(bodyPlan.jobs[0]!.sig.args).toEqual([[4]]);
    expect(bodyPlan.jobs[0]!.extras.embed!.chain!.map((s) => s.task)).toEqual(['tasks.add', 'tasks.mul']);
  });

  it('still runs a chord’s `chain` continuation after its body (a chain step popped with steps after it)', () => {
    const chordSig = freeze(chord([mul(2)], xsum()), ids()).sig;
    const after = freeze(add(5), ids()).sig;
    const plan = planSignature({ ...chordSig, options: { ...chordSig.options, chain: [after] } }, ids());
    expect((plan.jobs[0]!.sig.options['chord'] as SignatureData).options['chain']).toEqual([after]);
  });

  it('sends a chord with an empty header as its body at once, with an empty list', () => {
    const plan = planSignature(chord([], xsum()), ids());
    expect(plan.kind).toBe('send');
    expect(plan.jobs[0]!.sig.args).toEqual([[]]);
  });
});

describe('nested chords', () => {
  it('count what each header member reports: a task 1, a chain its last step, a group its members, a chord its body', () => {
    expect(chordContributions(add(1, 1))).toBe(1);
    expect(chordContributions(chain(add(1, 1), group([mul(2), mul(3)])))).toBe(2);
    expect(chordContributions(group([add(1, 1), group([add(2, 2), chain(add(3, 3), mul(2))])]))).toBe(3);
    expect(chordContributions(chord([add(1, 1), add(2, 2)], group([mul(2), mul(3), mul(4)])))).toBe(3);
    const plan = planSignature(chord([chord([add(1, 1), add(2, 2), add(3, 3)], xsum()), chain(add(4, 4), mul(2))], xsum()), ids());
    // The inner chord's count is recorded before the outer one's.
    expect(plan.chords.map((c) => c.size)).toEqual([3, 2]);
    expect(plan.kind).toBe('chord');
  });

  it('list the results of a group member that ends in a group among the group’s own', () => {
    const plan = planSignature(group([chain(add(1, 1), group([mul(2), mul(3)])), add(5, 5)]), ids());
    const inner = plan.jobs[0]!.extras.embed!.chain![0]!;
    const innerIds = (inner.kwargs['tasks'] as SignatureData[]).map((t) => t.options['task_id']);
    expect(plan.result.memberIds).toEqual([...innerIds, plan.jobs[1]!.sig.options['task_id']]);
    expect(plan.result.memberIds).not.toContain(plan.result.id);
  });

  it('number header results by position: a chain ending in a group takes one index per member', () => {
    const plan = planSignature(chord([chain(add(1, 1), group([mul(2), mul(3)])), add(5, 5)], xsum()), ids());
    const inner = plan.jobs[0]!.extras.embed!.chain![0]!;
    expect((inner.kwargs['tasks'] as SignatureData[]).map((t) => t.options['group_index'])).toEqual([0, 1]);
    expect(plan.jobs[1]!.sig.options['group_index']).toBe(2);
    expect(plan.chords.at(-1)!.size).toBe(3);
  });

  it('find the chord parts a failed chain step leaves unreached: a later step, or a chord body at its end', () => {
    const header = [chain(add(1, 1), mul(2)), chain(add(2, 2), chord([add(1)], xsum()))];
    const plan = planSignature(chord(header, xsum()), ids());
    const [first, second] = plan.jobs;
    const groupId = plan.chords.at(-1)!.groupId;
    const lastStep = first!.extras.embed!.chain![0]!;
    expect(unreachedChordParts({ id: first!.sig.options['task_id'] as string, embed: first!.extras.embed! })).toEqual([
      { id: lastStep.options['task_id'], rootId: first!.sig.options['task_id'], group: groupId, groupIndex: 0, embed: { chord: lastStep.options['chord'] } },
    ]);
    const innerChord = second!.extras.embed!.chain![0]!;
    const innerBody = innerChord.kwargs['body'] as SignatureData;
    expect(unreachedChordParts({ id: 'x', rootId: 'r', embed: second!.extras.embed! })).toEqual([
      { id: innerBody.options['task_id'], rootId: 'r', group: groupId, groupIndex: 1, embed: { chord: innerBody.options['chord'] } },
    ]);
    // A plain chain (no chord) leaves none.
    expect(unreachedChordParts({ id: 'y', embed: planSignature(chain(add(1, 1), mul(2)), ids()).jobs[0]!.extras.embed! })).toEqual([]);
  });
});

describe('follow-ups', () => {
  it('do not prepend the result to immutable signatures', () => {
    const [next] = successFollowups({ id: 't', embed: { chain: [immutable(add(5, 5))] } }, 99);
    expect(next!.args).toEqual([5, 5]);
    expect(next!.options).toMatchObject({ parent_id: 't', root_id: 't', chain: [] });
  });

  it('list the rest of a failed chain, chord bodies included', () => {
    // group | xsum | add is chord(group, chain(xsum, add)): its body chain is what fails.
    const frozen = freeze(chain(add(1, 1), group([mul(2), mul(3)]), xsum(), add(1)), ids()).sig;
    const [, ...rest] = frozen.kwargs['tasks'] as SignatureData[];
    expect(rest.map((s) => s.subtask_type)).toEqual(['chord']);
    const failedIds = remainingChainIds({ id: 'x', embed: { chain: [...rest].reverse() } });
    const bodySteps = (rest[0]!.kwargs['body'] as SignatureData).kwargs['tasks'] as SignatureData[];
    expect(failedIds).toEqual(bodySteps.map((s) => s.options['task_id']));
    expect(failedIds).toHaveLength(2);
  });

  it('fail a chord body with the failed part’s repr and call its errbacks with the body id', async () => {
    const backend = createMemoryBackend({ name: `canvas-plan-${crypto.randomUUID()}` });
    const body: SignatureData = { ...xsum(), options: { task_id: 'body', link_error: signature('tasks.on_error') } };
    await backend.chordInit('g', 2);
    const part = (id: string, index: number) => ({ id, rootId: 'root', group: 'g', groupIndex: index, embed: { chord: body } });
    expect(await recordChordPart(backend, part('a', 0), 'SUCCESS', 1)).toEqual({ kind: 'waiting' });
    const error = { exc_type: 'KeyError', exc_message: ['k', 2], exc_module: 'builtins' };
    const outcome = await recordChordPart(backend, part('b', 1), 'FAILURE', error);
    expect(outcome).toMatchObject({ kind: 'failed', reason: "Dependency b raised KeyError('k', 2)" });
    if (outcome?.kind !== 'failed') throw new Error('expected a failure');
    expect(outcome.failures.map((f) => [f.task_id, f.status, f.result])).toEqual([
      ['body', 'FAILURE', { exc_type: 'ChordError', exc_message: ["Dependency b raised KeyError('k', 2)"], exc_module: 'celery.exceptions' }],
    ]);
    const [errbacks] = outcome.errbacks;
    expect(errbacks!.subtask_type).toBe('group');
    expect((errbacks!.kwargs['tasks'] as SignatureData[])[0]!.args).toEqual(['body']);
    expect(errbacks!.options).toMatchObject({ parent_id: 'b', root_id: 'root' });
    expect(await recordChordPart(backend, { id: 'c' }, 'SUCCESS', 1)).toBeNull();
    await backend.close();
  });
});

describe('signature options', () => {
  it('map send options to Celery names and back', () => {
    const link = signature('tasks.done');
    const send = {
      taskId: 't',
      queue: 'q',
      routingKey: 'rk',
      exchange: 'ex',
      priority: 3,
      countdown: 5,
      eta: new Date('2026-11-23T18:46:42.215Z'),
      expires: 60,
      serializer: 'msgpack',
      ignoreResult: true,
      headers: { 'x-a': 1 },
      timeLimit: 30,
      softTimeLimit: 20,
      shadow: 'alias',
      link,
      linkError: [link],
      parentId: 'p',
      rootId: 'r',
      retries: 2,
      stamps: { monitoring_id: 'm-1' },
    };
    const options = toSignatureOptions(send);
    expect(options).toMatchObject({ task_id: 't', routing_key: 'rk', soft_time_limit: 20, link: [link], link_error: [link], monitoring_id: 'm-1', stamped_headers: ['monitoring_id'] });
    expect(fromSignatureOptions(options).send).toEqual({ ...send, link: [link] });
  });

  it('read reply_to, group fields and an empty chain as message extras', () => {
    const { extras } = fromSignatureOptions({ reply_to: 'me', group_id: 'g', group_index: 0, chain: [] });
    expect(extras).toEqual({ replyTo: 'me', group: 'g', groupIndex: 0, embed: { chain: [] } });
  });
});
