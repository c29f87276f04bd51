/**
 * The `celerity` command against Python Celery workers (5.2, 5.5), on Redis and on RabbitMQ:
 * `celerity status` and `celerity inspect ping` see them, with Celery's output and `--json`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, startPythonWorker } from './harness/python.js';
import type { RabbitVhost } from './harness/rabbitmq.js';
import { createRabbitVhost } from './harness/rabbitmq.js';
import type { RedisScratch } from './harness/redis.js';
import { createRedisScratch } from './harness/redis.js';

// `pnpm celerity`'s entry: the @celerity/worker/cli module, from source.
const cli = fileURLToPath(new URL('../../scripts/celerity.ts', import.meta.url));
const status = pythonCeleryStatus();

/** Runs `celerity …` from its sources; its exit code and output. */
function celerity(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=source', '--import', 'tsx', cli, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function matrix(version: PythonCeleryVersion, transport: 'redis' | 'amqp'): void {
  let redis: RedisScratch;
  let rabbit: RabbitVhost | undefined;
  let brokerUrl: string;
  let worker: PythonWorker;

  beforeAll(async () => {
    redis = await createRedisScratch();
    if (transport === 'amqp') rabbit = await createRabbitVhost();
    brokerUrl = rabbit?.url ?? redis.url;
    const queue = redis.name('cli');
    worker = await startPythonWorker({ version, env: { BROKER_URL: brokerUrl, RESULT_BACKEND: redis.url, QUEUE: queue }, queues: [queue] });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await redis?.cleanup();
    await rabbit?.cleanup();
  }, 60_000);

  it('celerity status lists the Python worker', async () => {
    const out = await celerity(['status', '-b', brokerUrl, '-d', worker.nodeName, '-t', '2']);
    expect(out).toMatchObject({ code: 0, stdout: `->  ${worker.nodeName}: OK\n\n1 node online.\n` });
  });

  it('celerity inspect ping gets its pong, as text and as JSON', async () => {
    const out = await celerity(['inspect', 'ping', '-b', brokerUrl, '-d', worker.nodeName, '-t', '2']);
    expect(out.stdout).toBe(`->  ${worker.nodeName}: OK\n        pong\n\n1 node online.\n`);
    const asJson = await celerity(['inspect', 'ping', '-b', brokerUrl, '-d', worker.nodeName, '-t', '2', '--json']);
    expect(JSON.parse(asJson.stdout)).toEqual({ [worker.nodeName]: { ok: 'pong' } });
  });

  it('celerity inspect registered shows its tasks', async () => {
    const out = await celerity(['inspect', 'registered', '-b', brokerUrl, '-d', worker.nodeName, '-t', '2', '--json']);
    expect(out.code).toBe(0);
    expect((JSON.parse(out.stdout) as Record<string, string[]>)[worker.nodeName]).toContain('tasks.add');
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  for (const transport of ['redis', 'amqp'] as const) {
    describe.skipIf(!isAvailable(entry))(`celerity command and Python Celery ${version} on ${transport}`, () => matrix(version, transport));
  }
}
