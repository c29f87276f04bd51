/**
 * Nested canvases run by a Celerity worker on each transport: memory (broker and backend), Redis
 * (broker and backend) and RabbitMQ (with the Redis result backend). Each shape is applied the way
 * a client does (core's applySignature: chord sizes first, then the messages) and its result is
 * awaited from the backend: the values prove each step got its parent's result and each chord
 * its header's results in order. Also: a failing member deep in a chord header fails the body with
 * Celery's ChordError naming it, and link / link_error on nested parts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, CanvasSink, ResultBackend, SignatureData, TaskContext } from '@celerity/core';
import { applySignature, chain, chord, createJsonSerializer, createMemoryBackend, createMemoryBroker, defineTask, encodeTaskMessage, group, signature } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { randomSuffix, waitFor } from '@celerity/testing';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';

const json = createJsonSerializer();
const servers = useRedisAndRabbit();

const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
const mul = defineTask({ name: 'tasks.mul', params: ['x', 'y'] }, (x: number, y: number) => x * y);
const xsum = defineTask({ name: 'tasks.xsum', params: ['values'] }, (values: number[]) => values.reduce((a, b) => a + b, 0));
const echo = defineTask({ name: 'tasks.echo', params: ['value'] }, (value: unknown) => value);
const pick = defineTask({ name: 'tasks.pick', params: ['values', 'index'] }, (values: unknown[], index: number) => values[index]);
const fail = defineTask({ name: 'tasks.fail', params: ['msg'] }, (msg: unknown): number => {
  throw new TypeError(String(msg));
});
/** Ids that have retried once already, and every run of the counting body. */
const retried = new Set<string>();
const bodyRuns: unknown[] = [];
const retryOnce = defineTask({ name: 'tasks.retry_once', params: ['x'] }, (x: number, ctx: TaskContext) => {
  if (!retried.has(ctx.id)) {
    retried.add(ctx.id);
    ctx.retry({ countdown: 0 });
  }
  return x;
});
const collect = defineTask({ name: 'tasks.collect', params: ['values'] }, (values: unknown[]) => {
  bodyRuns.push(values);
  return values;
});
const tasks = [add, mul, xsum, echo, pick, fail, retryOnce, collect];

const s = (task: string, ...args: unknown[]) => signature(task, args);
const withId = (sig: SignatureData, id: string, more: Record<string, unknown> = {}): SignatureData => ({ ...sig, options: { ...sig.options, ...more, task_id: id } });

interface Transport {
  broker(): Broker;
  backend(): ResultBackend;
}
const transports: Record<string, Transport> = {
  memory: {
    broker: () => createMemoryBroker({ name: `nested-${randomSuffix()}` }),
    backend: () => createMemoryBackend({ name: `nested-${randomSuffix()}` }),
  },
  redis: { broker: () => createRedisBroker({ url: REDIS_URL, keyPrefix: servers.prefix }), backend: () => servers.backend() },
  amqp: { broker: () => createAmqpBroker({ url: servers.vhostUrl }), backend: () => servers.backend() },
};

/** Shape, and the value (a task's) or values (a group's members') its result must hold. */
const SHAPES: Array<[string, () => SignatureData, unknown]> = [
  ['group in a chain (last)', () => chain(s('tasks.add', 1, 1), group([s('tasks.mul', 2), s('tasks.mul', 3)])), [4, 6]],
  ['group in a chain (middle)', () => chain(s('tasks.add', 1, 1), group([s('tasks.mul', 2), s('tasks.mul', 3)]), s('tasks.xsum'), s('tasks.mul', 10)), 100],
  ['chain in a group', () => group([chain(s('tasks.add', 1, 1), s('tasks.mul', 2)), s('tasks.add', 5, 5)]), [4, 10]],
  ['a chain ending in a group, in a group', () => group([chain(s('tasks.add', 1, 1), group([s('tasks.mul', 2), s('tasks.mul', 3)])), s('tasks.add', 5, 5)]), [4, 6, 10]],
  ['group in a group', () => group([group([s('tasks.add', 1, 1), s('tasks.add', 2, 2)]), s('tasks.add', 3, 3)]), [2, 4, 6]],
  ['chord in a chain (last)', () => chain(s('tasks.add', 1, 1), chord([s('tasks.mul', 2), s('tasks.mul', 3)], s('tasks.echo'))), [4, 6]],
  ['chord in a chain (first)', () => chain(chord([s('tasks.add', 1, 1), s('tasks.add', 2, 2)], s('tasks.xsum')), s('tasks.mul', 10)), 60],
  ['chord in a chain (middle)', () => chain(s('tasks.add', 1, 1), chord([s('tasks.mul', 2), s('tasks.mul', 3)], s('tasks.xsum')), s('tasks.mul', 10)), 100],
  ['chord in a group', () => group([chord([s('tasks.add', 1, 1), s('tasks.add', 2, 2)], s('tasks.xsum')), s('tasks.add', 3, 3)]), [6, 6]],
  ['chain in a chord header', () => chord([chain(s('tasks.add', 1, 1), s('tasks.mul', 2)), s('tasks.add', 5, 5)], s('tasks.echo')), [4, 10]],
  ['group in a chord header', () => chord([group([s('tasks.add', 1, 1), s('tasks.add', 2, 2)]), s('tasks.add', 3, 3)], s('tasks.echo')), [2, 4, 6]],
  ['chord in a chord header', () => chord([chord([s('tasks.add', 1, 1), s('tasks.add', 2, 2)], s('tasks.xsum')), s('tasks.add', 3, 3)], s('tasks.echo')), [6, 6]],
  ['a chain ending in a group, in a chord header', () => chord([chain(s('tasks.add', 1, 1), group([s('tasks.mul', 2), s('tasks.mul', 3)])), s('tasks.add', 5, 5)], s('tasks.echo')), [4, 6, 10]],
  [
    'a chord with a group body, in a chord header',
    () => chord([chord([s('tasks.add', 1, 1), s('tasks.add', 2, 2)], group([s('tasks.pick', 0), s('tasks.pick', 1)])), s('tasks.add', 3, 3)], s('tasks.echo')),
    [2, 4, 6],
  ],
  ['chord as a chord body', () => chord([s('tasks.add', 1, 1), s('tasks.add', 2, 2)], chord([s('tasks.pick', 0), s('tasks.pick', 1)], s('tasks.echo'))), [2, 4]],
  ['chain as a chord body', () => chord([s('tasks.add', 1, 1), s('tasks.add', 2, 2)], chain(s('tasks.xsum'), s('tasks.mul', 10))), 60],
  ['group as a chord body', () => chord([s('tasks.add', 1, 1), s('tasks.add', 2, 2)], group([s('tasks.pick', 0), s('tasks.pick', 1)])), [2, 4]],
  [
    'a chain of chords in a chord in a group',
    () => group([chord([chain(s('tasks.add', 1, 1), group([s('tasks.mul', 2), s('tasks.mul', 3)]), s('tasks.xsum')), s('tasks.add', 0, 1)], s('tasks.echo')), s('tasks.add', 7, 7)]),
    [[10, 1], 14],
  ],
];

describe.each(Object.keys(transports))('nested canvas run by a Celerity worker on %s', (name) => {
  const transport = transports[name]!;
  let worker: Worker | undefined;
  let backend: ResultBackend | undefined;
  let sink: CanvasSink;
  let queue = '';

  /** `duplicate`: every message is published twice, as a broker redelivering each one would. */
  async function start(duplicate = false): Promise<ResultBackend> {
    const broker = transport.broker();
    backend = transport.backend();
    queue = `nested-${randomSuffix()}`;
    worker = createWorker({ broker, backend, tasks, queues: [queue], concurrency: 4 });
    await worker.start();
    const store = backend;
    sink = {
      publish: (messages) => {
        const items = messages.map((m) => ({ target: m.target, envelope: encodeTaskMessage(m.init, { serializer: json }) }));
        return broker.publishMany(duplicate ? [...items, ...items] : items);
      },
      chordInit: (groupId, size) => store.chordInit(groupId, size),
    };
    return store;
  }
  const apply = (sig: SignatureData) => applySignature(sig, sink, { defaultQueue: queue });
  const value = async (id: string) => {
    const meta = await backend!.wait(id, { timeout: 45 });
    return meta.status === 'SUCCESS' ? meta.result : meta;
  };

  afterEach(async () => {
    await worker?.stop();
    await worker?.broker.close();
    await backend?.close();
    worker = undefined;
    backend = undefined;
    bodyRuns.length = 0;
  });

  for (const [shape, build, expected] of SHAPES) {
    it(shape, async () => {
      await start();
      const applied = await apply(build());
      const got = applied.kind === 'group' ? await Promise.all(applied.memberIds.map(value)) : await value(applied.id);
      expect(got).toEqual(expected);
    });
  }

  it('fails a chord whose header member fails deep in a chain with ChordError naming it, and runs the errback once', async () => {
    const store = await start();
    const failingId = crypto.randomUUID();
    const errbackId = crypto.randomUUID();
    const body = withId(s('tasks.xsum'), crypto.randomUUID(), { link_error: withId(s('tasks.echo'), errbackId) });
    const applied = await apply(chord([chain(s('tasks.add', 1, 1), withId(s('tasks.fail'), failingId)), s('tasks.add', 2, 2)], body));
    const meta = await store.wait(applied.id, { timeout: 45 });
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toEqual({ exc_type: 'ChordError', exc_message: [`Dependency ${failingId} raised TypeError('2')`], exc_module: 'celery.exceptions' });
    // The errback is called with the body's id (Celery's old-style errback signature).
    expect((await store.wait(errbackId, { timeout: 45 })).result).toBe(applied.id);
  });

  it('fails a chord when a chain in its header fails before its last step (the last step reports the failure)', async () => {
    const store = await start();
    const lastId = crypto.randomUUID();
    const innerBodyId = crypto.randomUUID();
    // Two header members whose reporting task never runs: a chain's last step, and a chord's body at the end of a chain.
    const header = [
      chain(s('tasks.fail', 'early'), withId(s('tasks.add', 1), lastId)),
      chain(s('tasks.fail', 'deep'), chord([s('tasks.add', 1)], withId(s('tasks.xsum'), innerBodyId))),
      s('tasks.add', 2, 2),
    ];
    const applied = await apply(chord(header, s('tasks.xsum')));
    const meta = await store.wait(applied.id, { timeout: 45 });
    expect(meta.status).toBe('FAILURE');
    const reason = (meta.result as { exc_message: string[] }).exc_message[0];
    expect([`Dependency ${lastId} raised TypeError('early')`, `Dependency ${innerBodyId} raised TypeError('deep')`]).toContain(reason);
    expect((await store.wait(lastId, { timeout: 45 })).status).toBe('FAILURE');
  });

  it('counts a header task that ran twice (sent twice) or retried, once: the body runs once with each result once', async () => {
    await start(true);
    const header = [chain(s('tasks.add', 1, 1), s('tasks.retry_once')), s('tasks.retry_once', 10), group([s('tasks.add', 2, 2), s('tasks.add', 3, 3)])];
    const applied = await apply(chord(header, s('tasks.collect')));
    expect(await value(applied.id)).toEqual([2, 10, 4, 6]);
    // The header's first tasks were sent twice (what the worker sends after them, once each time they
    // ran): every copy has run once the queue is empty and the worker idle.
    await waitFor(async () => (await worker!.broker.size(queue)) === 0 && (await worker!.idle(), (await worker!.broker.size(queue)) === 0), { timeout: 20_000 });
    expect(bodyRuns).toEqual([[2, 10, 4, 6]]);
  });

  it('runs a link on a chord in a chain, and a link_error on a chain in a group', async () => {
    const store = await start();
    const linkId = crypto.randomUUID();
    const chordWithLink = { ...chord([s('tasks.mul', 2), s('tasks.mul', 3)], s('tasks.xsum')), options: { link: withId(s('tasks.mul', 10), linkId) } };
    const applied = await apply(chain(s('tasks.add', 1, 1), chordWithLink));
    expect(await value(applied.id)).toBe(10);
    expect(await value(linkId)).toBe(100);

    const errbackId = crypto.randomUUID();
    const failing = { ...chain(s('tasks.add', 1, 1), s('tasks.fail')), options: { link_error: withId(s('tasks.echo'), errbackId) } };
    const grouped = await apply(group([failing, s('tasks.add', 5, 5)]));
    const [failedMeta, ok] = await Promise.all(grouped.memberIds.map((id) => store.wait(id, { timeout: 45 })));
    expect(failedMeta!.status).toBe('FAILURE');
    expect(ok!.result).toBe(10);
    // link_error on a chain goes to each step: the step that failed calls it with its own id.
    expect(await value(errbackId)).toBe(grouped.memberIds[0]);

    // A group's link_error goes to each member, a chord header's too (as Celery's group.apply_async passes it on).
    const groupErrbackId = crypto.randomUUID();
    const failingId = crypto.randomUUID();
    const header = { ...group([s('tasks.add', 1, 1), withId(s('tasks.fail', 'member'), failingId)]), options: { link_error: withId(s('tasks.echo'), groupErrbackId) } };
    await apply(chain(header, s('tasks.xsum')));
    expect(await value(groupErrbackId)).toBe(failingId);
  });
});
