import { afterEach, describe, expect, it } from 'vitest';
import type { ResultBackend, SignatureData } from '@celerity/core';
import { ConfigurationError, TaskError, chain, chord, group, signature } from '@celerity/core';
import { GroupResult, createClient } from '@celerity/client';
import { RecordingBroker, fakeWorker, memoryPair } from './helpers.js';

const APP_ID = 'f3aa6734-1b25-3948-8160-e94d1217660f';
const cleanup: Array<() => Promise<void>> = [];

function setup(withBackend = true) {
  const pair = memoryPair();
  const broker = new RecordingBroker(pair.broker);
  const backend: ResultBackend | undefined = withBackend ? pair.backend : undefined;
  let n = 0;
  const client = createClient({ broker, ...(backend ? { backend } : {}), appId: APP_ID, generateId: () => `id-${++n}` });
  cleanup.push(async () => {
    await client.close();
    await broker.close();
    await pair.backend.close();
  });
  return { client, broker, backend: pair.backend };
}

afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const add = (...args: unknown[]) => signature('tasks.add', args);
const mul = (...args: unknown[]) => signature('tasks.mul', args);
const xsum = () => signature('tasks.xsum');

describe('chain', () => {
  it('sends the first task carrying the rest reversed, with ids and reply_to assigned', async () => {
    const { client, broker } = setup();
    const result = await client.apply(chain(add(1, 2), add(3), mul(4)));
    expect(broker.published).toHaveLength(1);
    const [message] = broker.messages();
    expect(message!.task).toBe('tasks.add');
    expect(message!.args).toEqual([1, 2]);
    expect(message!.rootId).toBe(message!.id);
    // Same shape as celery-vectors/redis/canvas_chain.json.
    expect(message!.embed.chain).toEqual([
      { task: 'tasks.mul', args: [4], kwargs: {}, options: { task_id: expect.any(String), reply_to: APP_ID }, subtask_type: null, immutable: false },
      { task: 'tasks.add', args: [3], kwargs: {}, options: { task_id: expect.any(String), reply_to: APP_ID }, subtask_type: null, immutable: false },
    ]);
    const [last, middle] = message!.embed.chain!;
    expect(result.id).toBe(last!.options['task_id']);
    expect(new Set([message!.id, middle!.options['task_id'], last!.options['task_id']]).size).toBe(3);
  });

  it('keeps immutable links immutable', async () => {
    const { client, broker } = setup();
    await client.apply(chain(add(1, 2), { ...add(5, 5), immutable: true }));
    expect(broker.messages()[0]!.embed.chain![0]!.immutable).toBe(true);
  });

  it('returns the last task’s result once a worker ran it', async () => {
    const { client, backend, broker } = setup();
    const result = await client.apply(chain(add(1, 2), mul(4)));
    const worker = await fakeWorker(broker, backend, (m) => {
      // A worker would run the chain; here it only finishes the id the client handed back.
      void backend.store({ status: 'SUCCESS', result: 12, traceback: null, children: [], date_done: null, task_id: String(m.embed.chain![0]!.options['task_id']) });
      return { status: 'SUCCESS', result: 3 };
    });
    expect(await result.get({ timeout: 5 })).toBe(12);
    await worker.stop();
  });

  it('upgrades group | task inside a chain to a chord, as Celery does', async () => {
    const { client, broker } = setup();
    const result = await client.apply(chain(add(1, 1), group([mul(2), mul(3)]), xsum()));
    const [message] = broker.messages();
    const [chordSig] = message!.embed.chain!;
    expect(chordSig!.task).toBe('celery.chord');
    expect(chordSig!.subtask_type).toBe('chord');
    const header = chordSig!.kwargs['header'] as SignatureData;
    const body = chordSig!.kwargs['body'] as SignatureData;
    expect(header.subtask_type).toBe('group');
    expect(body.task).toBe('tasks.xsum');
    expect(result.id).toBe(body.options['task_id']);
    // As in celery-vectors/redis/canvas_nested_signatures.json: members carry their id, index and the body.
    const members = header.kwargs['tasks'] as SignatureData[];
    expect(members.map((m) => m.options['group_index'])).toEqual([0, 1]);
    expect(members.every((m) => (m.options['chord'] as SignatureData).options['task_id'] === result.id)).toBe(true);
    expect(header.options['task_id']).toBe(chordSig!.options['task_id']);
  });

  it('turns a chain starting with a group into a chord whose body is the rest, as Celery’s | does', async () => {
    const { client, broker, backend } = setup();
    const result = await client.apply(chain(group([add(1, 1), add(2, 2)]), xsum(), mul(10), add(1)));
    const messages = broker.messages();
    expect(messages).toHaveLength(2);
    // group | xsum | mul | add is chord(group, chain(xsum, mul, add)) in Celery: ids frozen.
    const body = messages[0]!.embed.chord!;
    expect(body.task).toBe('celery.chain');
    const steps = body.kwargs['tasks'] as SignatureData[];
    expect(steps.map((s) => [s.task, s.args])).toEqual([['tasks.xsum', []], ['tasks.mul', [10]], ['tasks.add', [1]]]);
    expect(steps.every((s) => typeof s.options['task_id'] === 'string' && s.options['reply_to'] === APP_ID)).toBe(true);
    expect(result.id).toBe(steps[2]!.options['task_id']);
    expect(body.options['link']).toBeUndefined();
    expect(messages.map((m) => m.groupIndex)).toEqual([0, 1]);
    expect(messages[1]!.embed.chord).toEqual(body);
    const progress = await backend.chordPartReturn(messages[0]!.group!, { taskId: 'x', index: 0, status: 'SUCCESS', result: 1 });
    expect(progress.complete).toBe(false);
  });

  it('moves a chain’s link to its last step and its link_error to every step', async () => {
    const { client, broker } = setup();
    const onDone = signature('tasks.done');
    const onError = signature('tasks.on_error');
    await client.apply({ ...chain(add(1, 2), mul(4)), options: { link: onDone, link_error: onError } });
    const [message] = broker.messages();
    expect(message!.embed.callbacks).toBeNull();
    expect(message!.embed.errbacks).toEqual([onError]);
    const [last] = message!.embed.chain!;
    expect(last!.options['link']).toEqual([onDone]);
    expect(last!.options['link_error']).toEqual([onError]);
  });

  it('inlines nested chains', async () => {
    const { client, broker } = setup();
    const result = await client.apply(chain(add(1, 1), chain(mul(2), add(3)), mul(5)));
    const [message] = broker.messages();
    expect(message!.embed.chain!.map((s) => s.task)).toEqual(['tasks.mul', 'tasks.add', 'tasks.mul']);
    expect(result.id).toBe(message!.embed.chain![0]!.options['task_id']);
  });
});

describe('group', () => {
  it('sends one message per member with the group id, saves the group and gathers results in order', async () => {
    const { client, broker, backend } = setup();
    const g = await client.apply(group([add(1, 1), add(2, 2)]));
    const messages = broker.messages();
    expect(broker.calls).toEqual(['publishMany']);
    expect(messages.map((m) => m.args)).toEqual([[1, 1], [2, 2]]);
    expect(messages.every((m) => m.group === g.id && m.groupIndex === null && m.rootId === m.id)).toBe(true);
    expect(await backend.getGroup(g.id)).toEqual(messages.map((m) => m.id));
    expect(g).toBeInstanceOf(GroupResult);
    const groupResult = g as unknown as GroupResult<number[]>;
    expect(await groupResult.ready()).toBe(false);
    expect(await groupResult.state()).toBe('PENDING');
    // Finish the second member first: get() still answers in member order.
    const worker = await fakeWorker(broker, backend, (m) => ({ status: 'SUCCESS', result: (m.args[0] as number) + (m.args[1] as number) }));
    expect(await groupResult.get({ timeout: 5 })).toEqual([2, 4]);
    expect(await groupResult.completedCount()).toBe(2);
    expect(await groupResult.ready()).toBe(true);
    expect(await groupResult.state()).toBe('SUCCESS');
    const restored = await client.groupResult<number[]>(g.id);
    expect(restored?.results.map((r) => r.id)).toEqual(groupResult.results.map((r) => r.id));
    expect(await restored?.get()).toEqual([2, 4]);
    await worker.stop();
  });

  it('rejects get() with the first failure', async () => {
    const { client, broker, backend } = setup();
    const g = (await client.apply(group([add(1, 1), signature('tasks.fail')]))) as unknown as GroupResult;
    const worker = await fakeWorker(broker, backend, (m) =>
      m.task === 'tasks.fail' ? { status: 'FAILURE', result: { exc_type: 'KeyError', exc_message: ['k'], exc_module: 'builtins' } } : { status: 'SUCCESS', result: 2 },
    );
    await expect(g.get({ timeout: 5 })).rejects.toBeInstanceOf(TaskError);
    expect(await g.failed()).toBe(true);
    expect(await g.completedCount()).toBe(1);
    await worker.stop();
  });

  it('names the group when get() times out', async () => {
    const { client } = setup();
    const g = await client.apply(group([add(1, 1)]));
    await expect(g.get({ timeout: 0.02 })).rejects.toThrow(new RegExp(`group ${g.id}`));
  });

  it('sends a chain nested inside a group: its first task now, its last reports to the group', async () => {
    const { client, broker } = setup();
    const result = await client.apply(group([chain(add(1, 1), mul(2)), add(5, 5)]));
    const messages = broker.messages();
    expect(messages.map((m) => [m.task, m.group])).toEqual([['tasks.add', null], ['tasks.add', result.id]]);
    const last = messages[0]!.embed.chain![0]!;
    expect(last.options['group_id']).toBe(result.id);
    expect('results' in result && result.results.map((r) => r.id)).toEqual([last.options['task_id'], messages[1]!.id]);
  });

  it('applies group options to every member', async () => {
    const { client, broker } = setup();
    await client.apply({ ...group([add(1, 1), { ...add(2, 2), options: { queue: 'own' } }]), options: { queue: 'math', priority: 3 } });
    expect(broker.published.map((p) => [p.target.queue, p.envelope.properties.priority])).toEqual([
      ['math', 3],
      ['own', 3],
    ]);
  });
});

describe('chord', () => {
  it('records the header size, then sends the header with group, index and the body', async () => {
    const { client, broker, backend } = setup();
    const result = await client.apply(chord([add(1, 1), add(2, 2)], xsum()));
    const messages = broker.messages();
    expect(messages.map((m) => m.groupIndex)).toEqual([0, 1]);
    const groupId = messages[0]!.group!;
    expect(messages[1]!.group).toBe(groupId);
    // As in celery-vectors/redis/canvas_chord.json.
    expect(messages[0]!.embed.chord).toEqual({
      task: 'tasks.xsum',
      args: [],
      kwargs: {},
      options: { task_id: result.id, reply_to: APP_ID },
      subtask_type: null,
      immutable: false,
    });
    // chordInit(groupId, 2): the second part completes the header.
    expect((await backend.chordPartReturn(groupId, { taskId: messages[0]!.id, index: 0, status: 'SUCCESS', result: 2 })).complete).toBe(false);
    expect((await backend.chordPartReturn(groupId, { taskId: messages[1]!.id, index: 1, status: 'SUCCESS', result: 4 })).complete).toBe(true);
  });

  it('applies the body at once for an empty header', async () => {
    const { client, broker } = setup();
    const result = await client.apply(chord([], xsum()));
    const [message] = broker.messages();
    expect(message!.task).toBe('tasks.xsum');
    expect(message!.args).toEqual([[]]);
    expect(message!.id).toBe(result.id);
  });

  it('needs a result backend', async () => {
    const { client, broker } = setup(false);
    await expect(client.apply(chord([add(1, 1)], xsum()))).rejects.toThrow(/result backend/);
    expect(broker.published).toHaveLength(0);
  });
});

describe('plain signatures', () => {
  it('map Celery option names onto the message', async () => {
    const { client, broker } = setup();
    const link = mul(10);
    const result = await client.apply({ ...add(1, 2), kwargs: { z: 1 }, options: { task_id: 'fixed', queue: 'q1', priority: 4, countdown: 5, link, soft_time_limit: 7 } });
    const [message] = broker.messages();
    expect(result.id).toBe('fixed');
    expect(message).toMatchObject({ id: 'fixed', args: [1, 2], kwargs: { z: 1 }, timeLimit: [null, 7], priority: 4 });
    expect(message!.eta).not.toBeNull();
    expect(message!.embed.callbacks).toEqual([link]);
    expect(broker.published[0]!.target.queue).toBe('q1');
  });
});
