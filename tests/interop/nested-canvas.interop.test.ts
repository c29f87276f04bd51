/**
 * Nested canvases across languages, on Redis (broker and results) and on RabbitMQ (with Redis
 * results), with Python Celery 5.2 and 5.5: a Python client sends nested shapes (group in chain, chain in group, chord in chain, chord
 * in group, chain and chord in a chord header, chord as a chord body) that a Celerity worker runs
 * alone, and a Celerity client sends the same shapes to a Python worker. Only the tasks both sides
 * have are used (`tasks.add`, `tasks.echo`), so each result shows that every step got its parent's
 * result and every chord its header's results in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, SignatureData } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { TaskError, chain, chord, group, signature } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { closeClient, closeWorker } from './harness/closing.js';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, startPythonWorker } from './harness/python.js';
import type { RabbitVhost } from './harness/rabbitmq.js';
import { createRabbitVhost } from './harness/rabbitmq.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';

const status = pythonCeleryStatus();

/** A canvas in client.py's spec form and built with Celerity's constructors. */
interface Shape {
  name: string;
  spec: unknown;
  sig: () => SignatureData;
  expected: unknown;
}
const add = (...args: number[]) => ({ spec: { task: 'tasks.add', args }, sig: () => signature('tasks.add', args) });
const echo = () => ({ spec: { task: 'tasks.echo' }, sig: () => signature('tasks.echo') });
const fail = (msg: string) => ({ spec: { task: 'tasks.fail', args: [msg] }, sig: () => signature('tasks.fail', [msg]) });
type Part = { spec: unknown; sig: () => SignatureData };
const chainOf = (...parts: Part[]): Part => ({ spec: { chain: parts.map((p) => p.spec) }, sig: () => chain(...parts.map((p) => p.sig())) });
const groupOf = (...parts: Part[]): Part => ({ spec: { group: parts.map((p) => p.spec) }, sig: () => group(parts.map((p) => p.sig())) });
const chordOf = (header: Part[], body: Part): Part => ({
  spec: { chord: { header: header.map((p) => p.spec), body: body.spec } },
  sig: () => chord(header.map((p) => p.sig()), body.sig()),
});
const shape = (name: string, part: Part, expected: unknown): Shape => ({ name, ...part, expected });

const SHAPES: Shape[] = [
  shape('group in a chain', chainOf(add(1, 1), groupOf(add(10), add(20))), [12, 22]),
  shape('chain in a group', groupOf(chainOf(add(1, 1), add(2)), add(5, 5)), [4, 10]),
  shape('chord in a chain', chainOf(add(1, 1), chordOf([add(1), add(2)], echo())), [3, 4]),
  shape('chord in a chain, then a task', chainOf(chordOf([add(1, 1), add(2, 2)], echo()), echo()), [2, 4]),
  shape('chord in a group', groupOf(chordOf([add(1, 1), add(2, 2)], echo()), add(3, 3)), [[2, 4], 6]),
  shape('chain in a chord header', chordOf([chainOf(add(1, 1), add(2)), add(5, 5)], echo()), [4, 10]),
  shape('chord in a chord header', chordOf([chordOf([add(1, 1), add(2, 2)], echo()), add(3, 3)], echo()), [[2, 4], 6]),
  shape('chord as a chord body', chordOf([add(1, 1), add(2, 2)], chordOf([echo(), echo()], echo())), [[2, 4], [2, 4]]),
];

type Transport = 'redis' | 'amqp';
let rabbit: RabbitVhost | undefined;
afterAll(async () => {
  await rabbit?.cleanup();
}, 60_000);

function matrix(version: PythonCeleryVersion, transport: Transport): void {
  let redis: RedisScratch;
  let env: Record<string, string>;
  let tsWorker: Worker;
  let pyWorker: PythonWorker;
  let client: Client;
  let tsQueue: string;

  beforeAll(async () => {
    redis = await createRedisScratch();
    tsQueue = redis.name('ts');
    const pyQueue = redis.name('py');
    const brokerUrl = transport === 'redis' ? redis.url : (rabbit ??= await createRabbitVhost()).url;
    const broker = (name: string): Broker => (transport === 'redis' ? createRedisBroker({ url: brokerUrl }) : createAmqpBroker({ url: brokerUrl, connectionName: name }));
    env = { BROKER_URL: brokerUrl, RESULT_BACKEND: redis.url, RECORD_URL: redis.url };
    interopTasks.configureInteropTasks({ recordUrl: redis.url });
    tsWorker = createWorker({ broker: broker('ts-worker'), backend: createRedisBackend({ url: redis.url }), tasks: interopTasks, queues: [tsQueue], concurrency: 4 });
    await tsWorker.start();
    pyWorker = await startPythonWorker({ version, env: { ...env, QUEUE: pyQueue }, queues: [pyQueue] });
    client = createClient({ broker: broker('ts-client'), backend: createRedisBackend({ url: redis.url }), defaultQueue: pyQueue });
  }, 120_000);

  afterAll(async () => {
    await closeClient(client);
    await closeWorker(tsWorker);
    await pyWorker?.stop();
    await interopTasks.closeInteropTasks();
    await redis?.cleanup();
  }, 60_000);

  for (const s of SHAPES) {
    it(`Python client → Celerity worker: ${s.name}`, async () => {
      const out = await runPythonClient(version, ['apply', JSON.stringify(s.spec), '--timeout', '30'], { ...env, QUEUE: tsQueue });
      expect(out).toMatchObject({ state: 'SUCCESS', result: s.expected });
    });

    it(`Celerity client → Python worker: ${s.name}`, async () => {
      const result = await client.apply(s.sig());
      expect(await result.get({ timeout: 30 })).toEqual(s.expected);
    });
  }

  // The chain's last step never runs: it reports the failure to the chord (Celery's mark_as_failure).
  const failing = chordOf([chainOf(fail('early'), add(1)), add(2, 2)], echo());

  it('Python client → Celerity worker: a chain in a chord header failing at its first step fails the chord', async () => {
    const out = await runPythonClient(version, ['apply', JSON.stringify(failing.spec), '--timeout', '30'], { ...env, QUEUE: tsQueue });
    expect(out).toMatchObject({ state: 'FAILURE', exc_type: 'ChordError' });
    expect(String(out.exc_message)).toContain("raised ValueError('early')");
  });

  it('Celerity client → Python worker: a chain in a chord header failing at its first step fails the chord', async () => {
    const result = await client.apply(failing.sig());
    const error = await result.get({ timeout: 30 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).excType).toBe('ChordError');
    expect(String((error as TaskError).excMessage[0])).toContain("raised ValueError('early')");
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  for (const transport of ['redis', 'amqp'] as const) {
    const on = transport === 'redis' ? 'Redis' : 'RabbitMQ (Redis results)';
    if (isAvailable(entry)) describe(`nested canvas: Python Celery ${entry.celery} ↔ Celerity on ${on}`, () => matrix(version, transport));
    else describe.skip(`nested canvas: Python Celery ${version} ↔ Celerity on ${on}: ${entry.unavailable}`, () => matrix(version, transport));
  }
}
