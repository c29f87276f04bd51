/**
 * Celery's events between Python Celery (5.2, 5.5) and Celerity, on Redis and on RabbitMQ:
 * Python's `celery events --dump` shows the task and worker events of a Celerity worker started
 * with events on, and `celerity events --dump` shows the task events of a Python worker started
 * with `-E`.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { Worker } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, startPythonWorker } from './harness/python.js';
import { pythonEnv, pythonRuntime, PY_APP_DIR } from './harness/python-runtime.js';
import { exited, signalGroup, spawnTracked } from './harness/processes.js';
import type { RabbitVhost } from './harness/rabbitmq.js';
import { createRabbitVhost } from './harness/rabbitmq.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';
import * as interopTasks from './ts-tasks.js';
import { closeClient } from './harness/closing.js';

const status = pythonCeleryStatus();
// `pnpm celerity`'s entry: the @celerity/worker/cli module, from source.
const CLI = fileURLToPath(new URL('../../scripts/celerity.ts', import.meta.url));

/** A process whose output is collected; `waitFor` resolves once the output matches. */
interface Watched {
  output(): string;
  waitFor(pattern: RegExp, timeout?: number): Promise<void>;
  stop(): Promise<void>;
}

function watch(child: ChildProcess): Watched {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return {
    output: () => text,
    async waitFor(pattern, timeout = 30_000) {
      const deadline = Date.now() + timeout;
      while (!pattern.test(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${String(pattern)} not seen; output:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      signalGroup(child, 'SIGINT');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

type Transport = 'redis' | 'amqp';

function matrix(version: PythonCeleryVersion, transport: Transport): void {
  let redis: RedisScratch;
  let rabbit: RabbitVhost | undefined;
  let brokerUrl: string;
  let client: Client;
  const closers: Array<() => Promise<unknown>> = [];
  const newBroker = (): Broker => (transport === 'redis' ? createRedisBroker({ url: brokerUrl }) : createAmqpBroker({ url: brokerUrl }));

  beforeAll(async () => {
    redis = await createRedisScratch();
    if (transport === 'amqp') rabbit = await createRabbitVhost();
    brokerUrl = rabbit?.url ?? redis.url;
    client = createClient({ broker: newBroker(), backend: createRedisBackend({ url: redis.url }) });
  }, 120_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await closeClient(client);
    await rabbit?.cleanup();
    await redis?.cleanup();
  }, 120_000);

  it("Python's celery events --dump shows a Celerity worker's task and worker events", async () => {
    const runtime = pythonRuntime(version);
    const dump = watch(spawnTracked([...runtime.python, '-m', 'celery', '-A', 'celery_app', 'events', '--dump'], { env: pythonEnv(runtime.appDir, { BROKER_URL: brokerUrl, RESULT_BACKEND: redis.url }), cwd: PY_APP_DIR }));
    closers.push(() => dump.stop());
    await dump.waitFor(/evdump: starting capture/);
    // RabbitMQ: the dumper's queue must be bound before anything is sent.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const queue = redis.name('ts');
    const hostname = `ts-${queue}@celerity`;
    const worker: Worker = createWorker({ broker: newBroker(), backend: createRedisBackend({ url: redis.url }), tasks: interopTasks, queues: [queue], hostname, eventsEnabled: true });
    await worker.start();
    closers.push(async () => {
      await worker.stop({ force: true });
      await worker.broker.close();
      await worker.backend?.close();
    });
    const ok = await client.send('tasks.add', [2, 3], { queue });
    expect(await ok.get({ timeout: 20 })).toBe(5);
    const bad = await client.send('tasks.fail', ['boom'], { queue });
    await expect(bad.get({ timeout: 20 })).rejects.toThrow(/boom/);
    const host = hostname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await dump.waitFor(new RegExp(`${host} \\[[^\\]]+\\] started:`));
    await dump.waitFor(new RegExp(`${host} \\[[^\\]]+\\] task received: tasks\\.add\\(${ok.id}\\) args=`));
    await dump.waitFor(new RegExp(`${host} \\[[^\\]]+\\] task started: tasks\\.add\\(${ok.id}\\)`));
    await dump.waitFor(new RegExp(`task succeeded: tasks\\.add\\(${ok.id}\\) [^\\n]*result=5, runtime=`));
    await dump.waitFor(new RegExp(`task failed: tasks\\.fail\\(${bad.id}\\) [^\\n]*exception=ValueError\\('boom'\\)`));
    await dump.waitFor(new RegExp(`${host} \\[[^\\]]+\\] heartbeat:`), 10_000);
    await worker.stop();
    await dump.waitFor(new RegExp(`${host} \\[[^\\]]+\\] shutdown:`), 10_000);
  }, 90_000);

  it("celerity events --dump shows a Python worker's task events", async () => {
    const queue = redis.name('py');
    const dump = watch(spawnTracked([process.execPath, '--conditions=source', '--import', 'tsx', CLI, 'events', '--dump', '-b', brokerUrl], { env: process.env }));
    closers.push(() => dump.stop());
    await dump.waitFor(/evdump: starting capture/);
    const py: PythonWorker = await startPythonWorker({ version, env: { BROKER_URL: brokerUrl, RESULT_BACKEND: redis.url, QUEUE: queue }, queues: [queue], events: true });
    closers.push(() => py.stop());
    await client.broker.declareQueue(queue);
    const ok = await client.send('tasks.add', [4, 5], { queue });
    expect(await ok.get({ timeout: 30 })).toBe(9);
    const host = py.nodeName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await dump.waitFor(new RegExp(`${host} \\[[^\\]]+\\] task received: tasks\\.add\\(${ok.id}\\) args=\\[4, 5\\] kwargs=\\{\\}`));
    await dump.waitFor(new RegExp(`${host} \\[[^\\]]+\\] task succeeded: tasks\\.add\\(${ok.id}\\) [^\\n]*result=9, runtime=`));
  }, 90_000);
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  for (const transport of ['redis', 'amqp'] as const) {
    describe.skipIf(!isAvailable(entry))(`events: Celery ${version} on ${transport}`, () => matrix(version, transport));
  }
}
