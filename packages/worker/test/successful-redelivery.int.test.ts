// `deduplicateSuccessfulTasks` on real servers: a message redelivered after its task already
// succeeded (its first worker died between storing the SUCCESS and the late ack) is acked and not
// run again, on Redis and on RabbitMQ (a fresh vhost); without a stored SUCCESS, with the option
// off, or with early acks, it runs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Broker, LogFields, Logger, ResultBackend } from '@celerity/core';
import { createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { createRedisBackend } from '@celerity/backend-redis';
import { randomSuffix, startRedisServer, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import type { WorkerOptions } from '@celerity/worker';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';

const json = createJsonSerializer();
const servers = useRedisAndRabbit();
const { prefix } = servers;

const transports: Record<string, () => Broker> = {
  redis: () => createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }),
  amqp: () => createAmqpBroker({ url: servers.vhostUrl }),
};

/** Publishes the task and lets a first consumer take it and die without acking: it comes back redelivered. */
async function redeliveredMessage(makeBroker: () => Broker, queue: string, id: string, task = 'test.counted', args: unknown[] = [id]): Promise<void> {
  const first = makeBroker();
  await first.declareQueue(queue);
  await first.publish({ queue }, encodeTaskMessage({ task, id, args }, { serializer: json }));
  let redelivered: boolean | undefined;
  await first.consume([queue], (delivery) => (redelivered ??= delivery.redelivered), { prefetch: 1 });
  await waitFor(() => redelivered !== undefined, { message: 'the first delivery' });
  expect(redelivered).toBe(false);
  await first.close();
}

interface Run {
  ran: string[];
  infos: string[];
  worker: ReturnType<typeof createWorker>;
  backend: ResultBackend;
}

async function startWorker(makeBroker: () => Broker, queue: string, options: Partial<WorkerOptions>): Promise<Run> {
  const ran: string[] = [];
  const infos: string[] = [];
  const logger: Logger = { debug: () => {}, info: (message: string, _fields?: LogFields) => void infos.push(message), warn: () => {}, error: () => {} };
  const counted = defineTask({ name: 'test.counted', params: ['id'] }, (id: string) => {
    ran.push(id);
    return `ran ${id}`;
  });
  const backend = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
  const worker = createWorker({ broker: makeBroker(), backend, tasks: [counted], queues: [queue], logger, ...options });
  await worker.start();
  return { ran, infos, worker, backend };
}

async function stop(run: Run): Promise<void> {
  await run.worker.stop();
  await run.worker.broker.close();
  await run.backend.close();
}

const success = (id: string) => ({ status: 'SUCCESS', result: 'first run', traceback: null, children: [], date_done: '2026-12-06T20:00:00.000000+00:00', task_id: id });

describe.each(Object.keys(transports))('redelivered messages of succeeded tasks on %s', (transport) => {
  const makeBroker = (): Broker => (transports[transport] as () => Broker)();

  it('acks a redelivered message whose task already succeeded without running it', async () => {
    const queue = `dedupe-${randomSuffix()}`;
    const id = crypto.randomUUID();
    await redeliveredMessage(makeBroker, queue, id);
    const store = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
    await store.store(success(id));
    await store.close();

    const run = await startWorker(makeBroker, queue, { acksLate: true });
    await waitFor(() => run.worker.stats.deduplicated === 1, { message: 'the redelivery skipped' });
    await run.worker.idle();
    expect(run.ran).toEqual([]);
    expect(run.infos).toContain(`Task test.counted[${id}] already succeeded; skipping the redelivered message`);
    expect(await run.backend.get(id)).toMatchObject({ status: 'SUCCESS', result: 'first run' });
    await stop(run);
    // Acked, not merely left unacked: nothing comes back once the worker's broker is closed.
    const after = makeBroker();
    expect(await after.size(queue)).toBe(0);
    await after.close();
  });

  it('runs a redelivered message whose task has no stored SUCCESS (FAILURE stored)', async () => {
    const queue = `dedupe-${randomSuffix()}`;
    const id = crypto.randomUUID();
    await redeliveredMessage(makeBroker, queue, id);
    const store = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
    await store.store({ ...success(id), status: 'FAILURE', result: { exc_type: 'WorkerLostError', exc_message: ['lost'], exc_module: 'billiard.exceptions' } });
    await store.close();

    const run = await startWorker(makeBroker, queue, { acksLate: true });
    await waitFor(() => run.ran.length === 1, { message: 'the redelivered task to run' });
    await run.worker.idle();
    expect(run.ran).toEqual([id]);
    expect(run.worker.stats.deduplicated).toBe(0);
    expect(await run.backend.get(id)).toMatchObject({ status: 'SUCCESS', result: `ran ${id}` });
    await stop(run);
  });

  it('runs it again with deduplicateSuccessfulTasks: false, or with early acks', async () => {
    for (const options of [{ acksLate: true, deduplicateSuccessfulTasks: false }, { acksLate: false }]) {
      const queue = `dedupe-${randomSuffix()}`;
      const id = crypto.randomUUID();
      await redeliveredMessage(makeBroker, queue, id);
      const store = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
      await store.store(success(id));
      await store.close();

      const run = await startWorker(makeBroker, queue, options);
      await waitFor(() => run.ran.length === 1, { message: 'the redelivered task to run' });
      await run.worker.idle();
      expect(run.ran).toEqual([id]);
      expect(run.worker.stats.deduplicated).toBe(0);
      // The fence keeps the first SUCCESS.
      expect(await run.backend.get(id)).toMatchObject({ status: 'SUCCESS', result: 'first run' });
      await stop(run);
    }
  });
});

describe('celerity worker --no-deduplicate-successful-tasks', () => {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));

  it('skips a redelivered succeeded task by default, and runs it with the flag', { timeout: 120_000 }, async () => {
    const server = await startRedisServer();
    try {
      for (const [flags, expected] of [
        [[], /already succeeded; skipping the redelivered message/],
        [['--no-deduplicate-successful-tasks'], /succeeded in [\d.]+s: 3/],
      ] as const) {
        const id = crypto.randomUUID();
        await redeliveredMessage(() => createRedisBroker({ url: server.url }), 'celery', id, 'test.add', [1, 2]);
        const store = createRedisBackend({ url: server.url });
        await store.store(success(id));
        await store.close();
        const child = spawn(
          process.execPath,
          ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', taskModule, '-b', server.url, '--result-backend', server.url, '--acks-late', '-l', 'info', ...flags],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        const exited = new Promise((resolve) => child.once('exit', resolve));
        try {
          await waitFor(() => output.includes(id) && expected.test(output), { timeout: 60_000, message: `"${String(expected)}" in the worker's output` });
          expect(output).toContain(id);
        } finally {
          child.kill('SIGTERM');
          await exited;
        }
      }
    } finally {
      await server.stop();
    }
  });
});
