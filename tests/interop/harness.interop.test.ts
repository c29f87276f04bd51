/**
 * Smoke test of the interop harness alone (no TypeScript worker or client): for each Python Celery
 * version, the Python client sends to a Python worker started by the harness, through Redis and
 * through RabbitMQ, and the outcomes come back as the JSON the TypeScript tests will assert on.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { collectTasks } from '@celerity/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PYTHON_CELERY_VERSIONS,
  isAvailable,
  pythonCeleryStatus,
  pythonEnv,
  pythonRuntime,
  runPythonClient,
  sendFromPython,
  startPythonWorker,
  type PythonCeleryVersion,
  type PythonWorker,
} from './harness/python.js';
import { groupMembers } from './harness/processes.js';
import { createRabbitVhost, type RabbitVhost } from './harness/rabbitmq.js';
import { createRedisScratch, type RedisScratch } from './harness/redis.js';
import * as tsTasks from './ts-tasks.js';

const run = promisify(execFile);
// Parameter names of the Python tasks, as keyword callers see them (a bound task's `self` excluded).
const PY_SIGNATURES = `import inspect, json, celery_app
print(json.dumps({n: list(inspect.signature(t.run).parameters) for n, t in celery_app.app.tasks.items() if n.startswith("tasks.")}))`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const status = pythonCeleryStatus();

function harnessSuite(version: PythonCeleryVersion) {
  let redis: RedisScratch;
  let worker: PythonWorker;
  let queue: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await createRedisScratch();
    queue = redis.name(`py${version}`);
    env = { BROKER_URL: redis.url, RESULT_BACKEND: redis.url, QUEUE: queue };
    worker = await startPythonWorker({ version, env, queues: [queue] });
  });

  afterAll(async () => {
    // Stop the worker before emptying its database, so it cannot write into it afterwards.
    await worker?.stop();
    await redis?.cleanup();
  });

  it('has the task names and parameters that ts-tasks.ts defines, and the Python-only ones', async () => {
    const runtime = pythonRuntime(version);
    const [command, ...prefix] = runtime.python;
    const { stdout } = await run(command!, [...prefix, '-c', PY_SIGNATURES], { env: pythonEnv(runtime.appDir, env) });
    const ts = Object.fromEntries([...collectTasks(tsTasks)].map(([name, task]) => [name, [...task.params]]));
    // Tasks only the Python side has, by design: mixed-language tests route work to them.
    const { 'tasks.py_append': pyAppend, 'tasks.py_join': pyJoin, 'tasks.py_fail': pyFail, 'tasks.py_errback': pyErrback, 'tasks.py_negate': pyNegate, 'tasks.request_header': requestHeader, ...shared } = JSON.parse(stdout) as Record<string, string[]>;
    expect({ pyAppend, pyJoin, pyFail, pyErrback, pyNegate, requestHeader }).toEqual({ pyAppend: ['items', 'tag'], pyJoin: ['parts'], pyFail: ['msg'], pyErrback: ['task_id', 'tag'], pyNegate: ['x'], requestHeader: ['name'] });
    expect(shared).toEqual(ts);
    expect(() => tsTasks.fail.fn('same error')).toThrow(expect.objectContaining({ name: 'ValueError', message: 'same error' }));
  });

  it('runs tasks.add(2, 3) = 5 and stores the result in the claimed database', async () => {
    const out = await sendFromPython(version, 'tasks.add', [2, 3], { queue }, env);
    expect(out).toMatchObject({ state: 'SUCCESS', result: 5, exitCode: 0 });
    expect(out.id).toMatch(UUID);
    expect(await redis.client.exists(`celery-task-meta-${out.id}`)).toBe(1);
  });

  it('reports a failing task as ValueError with its message', async () => {
    const message = `boom from Celery ${version}`;
    const out = await sendFromPython(version, 'tasks.fail', [message], { queue }, env);
    expect(out).toMatchObject({ state: 'FAILURE', exc_type: 'ValueError', exc_message: message, exc_module: 'builtins' });
    expect(out.traceback).toContain('ValueError');
  });

  it('passes keyword arguments through msgpack', async () => {
    const out = await sendFromPython(version, 'tasks.add', [40], { kwargs: { y: 2 }, serializer: 'msgpack', queue }, env);
    expect(out).toMatchObject({ state: 'SUCCESS', result: 42 });
  });

  it('records each execution once, with the node name the harness reported', async () => {
    const tag = redis.name('tag');
    const out = await sendFromPython(version, 'tasks.record', [tag], { queue }, env);
    expect(out).toMatchObject({ state: 'SUCCESS', result: tag });
    const entries = (await redis.records()).filter((entry) => entry.tag === tag);
    expect(entries).toEqual([{ tag, worker: worker.nodeName, id: out.id, lang: 'py' }]);
  });

  it('answers ping from the client with the worker node name', async () => {
    const out = await runPythonClient(version, ['ping', '--timeout', '3'], env);
    expect(out.replies).toEqual([{ [worker.nodeName]: { ok: 'pong' } }]);
  });

  it('reports a wait that ran out as a timeout (exit code 3), not a result', async () => {
    // No worker consumes this queue, so the task stays PENDING whatever the timing.
    const out = await sendFromPython(version, 'tasks.add', [1, 1], { queue: redis.name('nobody'), wait: 0.2 }, env);
    expect(out).toMatchObject({ timeout: true, exitCode: 3, state: 'PENDING' });
    expect(out).not.toHaveProperty('result');
  });

  it('kills a prefork worker together with its pool processes', async () => {
    const prefork = await startPythonWorker({ version, env, queues: [redis.name('prefork')], concurrency: 2 });
    expect(prefork.logs()).toMatch(/concurrency: 2 \(prefork\)/);
    // The main process and its two pool processes.
    expect(groupMembers(prefork.pid).length).toBeGreaterThanOrEqual(3);
    const info = await prefork.kill();
    expect(info.signal).toBe('SIGKILL');
    expect(groupMembers(prefork.pid)).toEqual([]);
  });

  it('fails to start with the worker output when the broker is unreachable', async () => {
    const start = startPythonWorker({
      version,
      env: { ...env, BROKER_URL: 'redis://127.0.0.1:1/0', BROKER_MAX_RETRIES: '1' },
      readyTimeout: 60_000,
    });
    await expect(start).rejects.toThrow(/exited .*before printing[\s\S]*127\.0\.0\.1:1/);
  });

  describe('through RabbitMQ', () => {
    let rabbit: RabbitVhost;
    let amqpWorker: PythonWorker;
    let amqpEnv: Record<string, string>;

    beforeAll(async () => {
      rabbit = await createRabbitVhost();
      amqpEnv = { BROKER_URL: rabbit.url, RESULT_BACKEND: redis.url, QUEUE: redis.name('amqp') };
      amqpWorker = await startPythonWorker({ version, env: amqpEnv, queues: [amqpEnv.QUEUE!] });
    });

    afterAll(async () => {
      await amqpWorker?.stop();
      await rabbit?.cleanup();
    });

    it('runs tasks.add(2, 3) = 5 and a failing task', async () => {
      expect(await sendFromPython(version, 'tasks.add', [2, 3], {}, amqpEnv)).toMatchObject({ state: 'SUCCESS', result: 5 });
      expect(await sendFromPython(version, 'tasks.fail', ['via amqp'], {}, amqpEnv)).toMatchObject({
        state: 'FAILURE',
        exc_type: 'ValueError',
        exc_message: 'via amqp',
      });
    });
  });

  it('stops with a warm shutdown and exit code 0', async () => {
    const info = await worker.stop();
    expect(info).toEqual({ code: 0, signal: null });
    expect(groupMembers(worker.pid)).toEqual([]);
  });
}

describe.each(PYTHON_CELERY_VERSIONS)('interop harness, Python Celery %s', (version) => {
  const entry = status[version];
  if (isAvailable(entry)) {
    describe(`Celery ${entry.celery} / kombu ${entry.kombu}`, () => harnessSuite(version));
  } else if (version === '5.5') {
    // Only the chroot may be missing (e.g. no root to build it); 5.2 is always required.
    it.skip(`Celery 5.5 skipped: ${entry.unavailable}`, () => undefined);
  } else {
    it(`Celery ${version} is installed`, () => {
      throw new Error(entry.unavailable);
    });
  }
});
