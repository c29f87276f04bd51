/**
 * Canvases mixing Python Celery (5.2 and 5.5) and Celerity workers, on a Redis and on a RabbitMQ
 * broker with Redis results: each side has tasks the other lacks (`tasks.py_*` in py/celery_app.py,
 * `tasks.ts_*` below), and signatures route them by queue, so a step that reached the wrong worker
 * would fail as unregistered. Chains alternate languages step by step, a chord's header runs on both
 * and its body on one, errbacks cross over in both directions, a saved GroupResult restores on
 * the other side, and a Python worker honours the `ignore_result` header a TypeScript client sends.
 * Canvases are sent from a TypeScript client and from a Python client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, SignatureData } from '@celerity/core';
import { TaskError, chain, chord, defineTask, group, signature } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createAmqpBroker } from '@celerity/broker-amqp';
import type { AsyncResult, Client } from '@celerity/client';
import { GroupResult, createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { closeClient, closeWorker } from './harness/closing.js';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, startPythonWorker } from './harness/python.js';
import type { RabbitVhost } from './harness/rabbitmq.js';
import { createRabbitVhost } from './harness/rabbitmq.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import { ValueError } from './ts-tasks.js';

// Tasks only the Celerity worker has (the Python worker has tasks.py_* instead).
const tsAppend = defineTask({ name: 'tasks.ts_append', params: ['items', 'tag'] }, (items: string[], tag: string) => [...items, tag]);
const tsJoin = defineTask({ name: 'tasks.ts_join', params: ['parts'] }, (parts: string[][]) => [...parts.flat(), 'ts']);
const tsFail = defineTask({ name: 'tasks.ts_fail', params: ['msg'] }, (msg: string): never => {
  throw new ValueError(msg);
});
const tsErrback = defineTask({ name: 'tasks.ts_errback', params: ['task_id', 'tag'] }, (taskId: string, tag: string) => ({ failed: taskId, tag, lang: 'ts' }));

const status = pythonCeleryStatus();
type Transport = 'redis' | 'amqp';
let rabbit: RabbitVhost | undefined;

function suite(version: PythonCeleryVersion, transport: Transport): void {
  let redis: RedisScratch;
  let brokerUrl: string;
  let env: Record<string, string>;
  let pyQueue: string;
  let tsQueue: string;
  let client: Client;
  let clientBroker: Broker;
  let tsWorker: Worker;
  let pyWorker: PythonWorker;

  const makeBroker = (name: string): Broker => (transport === 'redis' ? createRedisBroker({ url: brokerUrl }) : createAmqpBroker({ url: brokerUrl, connectionName: name }));
  /** A signature routed to the Python worker's / the Celerity worker's queue. */
  const py = (task: string, args: unknown[] = [], options: Record<string, unknown> = {}): SignatureData => signature(task, args, {}, { options: { queue: pyQueue, ...options } });
  const ts = (task: string, args: unknown[] = [], options: Record<string, unknown> = {}): SignatureData => signature(task, args, {}, { options: { queue: tsQueue, ...options } });
  /** Applies a canvas from the Python client (client.py apply) and reads its outcome. */
  const applyFromPython = (canvas: unknown) => runPythonClient(version, ['apply', JSON.stringify(canvas), '--timeout', '60'], env);

  beforeAll(async () => {
    redis = await createRedisScratch();
    if (transport === 'amqp') rabbit ??= await createRabbitVhost();
    brokerUrl = transport === 'redis' ? redis.url : rabbit!.url;
    pyQueue = redis.name('canvas-py');
    tsQueue = redis.name('canvas-ts');
    env = { BROKER_URL: brokerUrl, RESULT_BACKEND: redis.url, RECORD_URL: redis.url };
    tsWorker = createWorker({
      broker: makeBroker('ts-worker'),
      backend: createRedisBackend({ url: redis.url }),
      tasks: [tsAppend, tsJoin, tsFail, tsErrback],
      queues: [tsQueue],
      hostname: `ts-${tsQueue}@celerity`,
      concurrency: 4,
    });
    await tsWorker.start();
    pyWorker = await startPythonWorker({ version, env: { ...env, QUEUE: pyQueue }, queues: [pyQueue] });
    clientBroker = makeBroker('ts-client');
    client = createClient({ broker: clientBroker, backend: createRedisBackend({ url: redis.url }) });
  }, 120_000);

  afterAll(async () => {
    await closeClient(client);
    await closeWorker(tsWorker);
    await pyWorker?.stop();
    await redis?.cleanup();
  }, 60_000);

  it('a TypeScript client’s chain alternates Python-only and Celerity-only steps; parent and collect() follow it across both', async () => {
    const last = (await client.apply(chain(py('tasks.py_append', [[]]), ts('tasks.ts_append', ['ts']), py('tasks.py_append'), ts('tasks.ts_append', ['ts'])))) as AsyncResult<string[]>;
    expect(await last.get({ timeout: 60 })).toEqual(['py', 'ts', 'py', 'ts']);
    const ids: string[] = [];
    for (let node: AsyncResult | GroupResult | null = last; node !== null; node = node.parent) ids.unshift(node.id);
    expect(ids).toHaveLength(4);
    // Each worker stores the next step it sent as its child: collect() walks the chain from its first step.
    const first = client.result(ids[0]!);
    const walked: Array<[string, unknown]> = [];
    for await (const [node, value] of first.collect({ timeout: 60 })) walked.push([node.id, value]);
    expect(walked).toEqual([
      [ids[0], ['py']],
      [ids[1], ['py', 'ts']],
      [ids[2], ['py', 'ts', 'py']],
      [ids[3], ['py', 'ts', 'py', 'ts']],
    ]);
  });

  it('a Python client’s chain alternates the same way', async () => {
    const out = await applyFromPython({ chain: [py('tasks.py_append', [[]]), ts('tasks.ts_append', ['ts']), py('tasks.py_append'), ts('tasks.ts_append', ['ts']), py('tasks.py_append')] });
    expect(out).toMatchObject({ state: 'SUCCESS', result: ['py', 'ts', 'py', 'ts', 'py'] });
  });

  it('a chord whose header runs on both languages: its body runs on Python (sent from TypeScript) and on Celerity (sent from Python)', async () => {
    const header = [py('tasks.py_append', [[], 'a']), ts('tasks.ts_append', [[], 'b']), py('tasks.py_append', [[], 'c']), ts('tasks.ts_append', [[], 'd'])];
    const toPython = (await client.apply(chord(header, py('tasks.py_join')))) as AsyncResult;
    expect(await toPython.get({ timeout: 60 })).toEqual(['a', 'b', 'c', 'd', 'py']);
    const toCelerity = await applyFromPython({ chord: { header, body: ts('tasks.ts_join') } });
    expect(toCelerity).toMatchObject({ state: 'SUCCESS', result: ['a', 'b', 'c', 'd', 'ts'] });
  });

  it('a Python client’s group and chord run on the Celerity worker alone', async () => {
    const members = [ts('tasks.ts_append', [[], 'x']), ts('tasks.ts_append', [['y'], 'z'])];
    expect(await applyFromPython({ group: members })).toMatchObject({ state: 'SUCCESS', result: [['x'], ['y', 'z']] });
    expect(await applyFromPython({ chord: { header: members, body: ts('tasks.ts_join') } })).toMatchObject({ state: 'SUCCESS', result: ['x', 'y', 'z', 'ts'] });
  });

  it('link_error: a Python failure runs a TypeScript errback, and a TypeScript failure a Python one', async () => {
    const tsErrbackId = `errback-${crypto.randomUUID()}`;
    const failing = await client.send('tasks.py_fail', ['py boom'], { queue: pyQueue, linkError: ts('tasks.ts_errback', ['from-py'], { task_id: tsErrbackId }) });
    const failure = await failing.get({ timeout: 60 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TaskError);
    expect(failure).toMatchObject({ excType: 'ValueError', excMessage: ['py boom'] });
    expect(await client.result(tsErrbackId).get({ timeout: 60 })).toEqual({ failed: failing.id, tag: 'from-py', lang: 'ts' });

    const pyErrbackId = `errback-${crypto.randomUUID()}`;
    const out = await applyFromPython(ts('tasks.ts_fail', ['ts boom'], { link_error: py('tasks.py_errback', ['from-ts'], { task_id: pyErrbackId }) }));
    expect(out).toMatchObject({ state: 'FAILURE', exc_type: 'ValueError', exc_message: 'ts boom' });
    const errback = await runPythonClient(version, ['get', pyErrbackId, '--timeout', '60'], env);
    expect(errback).toMatchObject({ state: 'SUCCESS', result: { failed: out.id, tag: 'from-ts', lang: 'py' } });
  });

  it('ignoreResult from a TypeScript client: the Python worker stores no final state, and get() refuses to wait', async () => {
    const doneId = `after-${crypto.randomUUID()}`;
    const ignored = await client.send('tasks.py_append', [[], 'quiet'], { queue: pyQueue, ignoreResult: true, link: ts('tasks.ts_append', ['linked'], { task_id: doneId }) });
    expect(ignored.ignored).toBe(true);
    await expect(ignored.get({ timeout: 1 })).rejects.toThrow(/ignoreResult/);
    // The callback ran with the ignored task's value, so that task has run; Celery sends callbacks
    // just before it would store SUCCESS, so a SUCCESS stored despite the header would show here.
    expect(await client.result(doneId).get({ timeout: 60 })).toEqual(['quiet', 'linked']);
    const stored = await client.backend!.get(ignored.id);
    expect(stored?.status ?? 'nothing').not.toBe('SUCCESS');
  });

  it('a GroupResult saved on one side restores on the other', async () => {
    const a = await client.apply(ts('tasks.ts_append', [[], 'a']));
    const b = await client.apply(py('tasks.py_append', [[], 'b']));
    const fromTs = `group-ts-${crypto.randomUUID()}`;
    await new GroupResult(fromTs, [a as AsyncResult, b as AsyncResult], client.backend).save();
    const restoredInPython = await runPythonClient(version, ['group-restore', fromTs], env);
    expect(restoredInPython).toMatchObject({ id: fromTs, members: [a.id, b.id] });

    const fromPy = `group-py-${crypto.randomUUID()}`;
    await runPythonClient(version, ['group-save', fromPy, b.id, a.id], env);
    const restored = await client.groupResult<[string[], string[]]>(fromPy);
    expect(restored?.results.map((r) => r.id)).toEqual([b.id, a.id]);
    expect(await restored!.join({ timeout: 60 })).toEqual([['b'], ['a']]);
    expect(await runPythonClient(version, ['group-restore', `group-none-${crypto.randomUUID()}`], env)).toMatchObject({ missing: true });
  });
}

afterAll(async () => {
  await rabbit?.cleanup();
}, 60_000);

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  for (const transport of ['redis', 'amqp'] as const) {
    if (isAvailable(entry)) describe(`canvas mixing Python Celery ${entry.celery} and Celerity workers (${transport} broker)`, () => suite(version, transport));
    else describe.skip(`canvas mixing Python Celery ${version} and Celerity workers (${transport} broker): ${entry.unavailable}`, () => suite(version, transport));
  }
}
