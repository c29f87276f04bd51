// Runs the seed's example as a user would (`pnpm example`), on memory://, on Redis and on RabbitMQ
// (results in Redis or over rpc://), and checks what it prints: polling until ready, the result,
// and the synchronous variant's timeout then value. RabbitMQ runs get a vhost of their own.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRabbitVhost, type RabbitVhost } from '../../../tests/interop/harness/rabbitmq.js';
import { createRedisScratch, type RedisScratch } from '../../../tests/interop/harness/redis.js';
import { startCliWorker } from './cli-worker.js';

const run = promisify(execFile);
const appDir = fileURLToPath(new URL('..', import.meta.url));

async function runExample(env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/run.ts'], {
    cwd: appDir,
    env: { ...process.env, ADD_DELAY_MS: '2500', ...env },
    timeout: 60_000,
  });
  return stdout;
}

function expectSeedOutput(stdout: string): void {
  const lines = stdout.split('\n');
  const firstResult = lines.indexOf('result 8');
  expect(firstResult).toBeGreaterThan(0);
  // add() sleeps 2.5 s and the client polls once a second: at least two "not ready" lines before it.
  expect(lines.slice(0, firstResult).filter((l) => l === 'not ready, wait 1 second').length).toBeGreaterThanOrEqual(2);
  expect(stdout).toMatch(/get\(\{ timeout: 1 \}\) -> TimeoutError: Timed out after 1 s waiting for the result of task [0-9a-f-]{36}/);
  expect(stdout).toContain('get({ timeout: 10 }) -> 8');
}

describe('apps/example', () => {
  it('runs on memory:// with no server', async () => {
    expectSeedOutput(await runExample({}));
  }, 60_000);

  it('runs on Redis with the worker started by the celerity command', async () => {
    // A claimed, empty database, flushed afterwards (the example's queue and results use fixed names).
    await using redis = await createRedisScratch();
    expectSeedOutput(await runExample({ BROKER_URL: redis.url, RESULT_BACKEND: redis.url }));
  }, 60_000);

  describe('on RabbitMQ', () => {
    let rabbit: RabbitVhost;
    let redis: RedisScratch;
    beforeAll(async () => {
      rabbit = await createRabbitVhost();
      redis = await createRedisScratch();
    }, 60_000);
    afterAll(async () => {
      await redis?.cleanup();
      await rabbit?.cleanup();
    }, 60_000);

    it('runs with results in Redis', async () => {
      expectSeedOutput(await runExample({ BROKER_URL: rabbit.url, RESULT_BACKEND: redis.url }));
      expect(await redis.client.keys('celery-task-meta-*')).toHaveLength(2);
    }, 60_000);

    it('runs with results sent back over RabbitMQ (rpc://)', async () => {
      expectSeedOutput(await runExample({ BROKER_URL: rabbit.url, RESULT_BACKEND: 'rpc://' }));
    }, 60_000);

    it('the hand-written amqplib RPC client gets add(4, 4) from the same worker', async () => {
      await using worker = await startCliWorker({ BROKER_URL: rabbit.url, RESULT_BACKEND: 'rpc://', ADD_DELAY_MS: '0' }, appDir);
      const { stdout } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/raw-amqplib-rpc-client.ts'], {
        cwd: appDir,
        env: { ...process.env, BROKER_URL: rabbit.url },
        timeout: 60_000,
      });
      expect(stdout.trim()).toBe('add(4, 4) = 8');
      expect(worker.output()).toMatch(/Task tasks\.add\[[0-9a-f-]{36}\] succeeded in [\d.]+s: 8/);
    }, 60_000);
  });
});
