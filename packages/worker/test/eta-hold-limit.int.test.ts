/**
 * `etaHoldLimit` against RabbitMQ's `consumer_timeout`, on a private node this test starts with a
 * 3 s timeout (never the shared one). RabbitMQ 3.10 checks the timeout on each channel tick, once a
 * minute by default: the node's `channel_tick_interval` of 500 ms makes it close a channel about
 * 3.5 s after a delivery was handed out (measured on 3.10.8). Holding an 8 s countdown task there
 * gets the worker's channel closed and the task redelivered over and over (what the worker did
 * before, and still does with `etaHoldLimit: 0`); with a 2 s limit the task waits in Celery's
 * `celery_delayed_*` queues instead, the channel stays open and the task runs once, not before its ETA.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskContext } from '@celerity/core';
import { createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import type { AmqpBroker } from '@celerity/broker-amqp';
import type { CapturingLogger, RabbitServer } from '@celerity/testing';
import { createCapturingLogger, randomSuffix, startRabbitServer, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import type { Worker } from '@celerity/worker';

const CONSUMER_TIMEOUT_MS = 3000;
const COUNTDOWN_MS = 8000;
const json = createJsonSerializer();

let server: RabbitServer;
let publisher: AmqpBroker;
const runs = new Map<string, number[]>();
const record = defineTask({ name: 'test.eta_record', params: [] }, (ctx: TaskContext) => {
  runs.set(ctx.id, [...(runs.get(ctx.id) ?? []), Date.now()]);
});

beforeAll(async () => {
  server = await startRabbitServer({
    config: [`consumer_timeout = ${CONSUMER_TIMEOUT_MS}`],
    advancedConfig: '[{rabbit, [{channel_tick_interval, 500}]}].',
  });
  publisher = createAmqpBroker({ url: server.url });
}, 120_000);

afterAll(async () => {
  await publisher?.close();
  await server?.dispose();
}, 60_000);

async function startWorker(queue: string, etaHoldLimit: number, logger: CapturingLogger): Promise<Worker> {
  const worker = createWorker({ broker: createAmqpBroker({ url: server.url, logger }), tasks: [record], queues: [queue], concurrency: 2, etaHoldLimit, logger });
  await worker.start();
  return worker;
}

async function sendCountdown(queue: string, task = 'test.eta_record', args: unknown[] = []): Promise<{ id: string; eta: number }> {
  const id = crypto.randomUUID();
  const eta = Date.now() + COUNTDOWN_MS;
  await publisher.declareQueue(queue);
  await publisher.publish({ queue }, encodeTaskMessage({ task, id, args, eta: new Date(eta) }, { serializer: json }));
  return { id, eta };
}

const received = (logger: CapturingLogger, id: string): number => logger.lines.filter((line) => line.message.startsWith('Received task') && line.message.includes(id)).length;
const channelTimeouts = (logger: CapturingLogger): string[] => logger.lines.filter((line) => /channel closed by RabbitMQ.*timed out/.test(line.message)).map((line) => line.message);

/** Ready messages left in the delay queues (a missing queue counts as empty). */
async function leftInDelayQueues(): Promise<number> {
  const connection = await amqp.connect(server.url);
  try {
    let left = 0;
    for (let level = 0; level < 28; level++) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      left += await channel.checkQueue(`celery_delayed_${level}`).then(
        (ok) => ok.messageCount,
        () => 0,
      );
      await channel.close().catch(() => undefined);
    }
    return left;
  } finally {
    await connection.close();
  }
}

describe('ETA tasks and RabbitMQ consumer_timeout', () => {
  it('holding an 8 s countdown task past a 3 s consumer_timeout gets the channel closed and the task redelivered (etaHoldLimit 0, the old way)', { timeout: 60_000 }, async () => {
    const logger = createCapturingLogger();
    const queue = `eta-hold-before-${randomSuffix()}`;
    const worker = await startWorker(queue, 0, logger);
    try {
      const { id } = await sendCountdown(queue);
      await waitFor(() => runs.has(id), { timeout: 30_000, message: 'the countdown task ran' });
      await worker.idle();
      expect(channelTimeouts(logger).length).toBeGreaterThanOrEqual(1);
      expect(received(logger, id)).toBeGreaterThanOrEqual(2);
    } finally {
      await worker.stop();
      await worker.broker.close();
    }
  });

  it('with etaHoldLimit 2, the task waits in RabbitMQ instead: the channel stays open and the task runs once, not before its ETA', { timeout: 60_000 }, async () => {
    const logger = createCapturingLogger();
    const queue = `eta-hold-after-${randomSuffix()}`;
    const worker = await startWorker(queue, 2, logger);
    try {
      const { id, eta } = await sendCountdown(queue);
      await waitFor(() => runs.has(id), { timeout: 30_000, message: 'the countdown task ran' });
      await worker.idle();
      // Nothing is unacked once it ran, so a channel timeout could only have come before.
      expect(channelTimeouts(logger)).toEqual([]);
      expect(runs.get(id)).toHaveLength(1);
      expect((runs.get(id) as number[])[0]).toBeGreaterThanOrEqual(eta);
      // Once from the publisher, once back from the delay queues.
      expect(received(logger, id)).toBe(2);
      expect(await publisher.size(queue)).toBe(0);
      expect(await leftInDelayQueues()).toBe(0);
      expect(logger.lines.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
    } finally {
      await worker.stop();
      await worker.broker.close();
    }
  });

  it('celerity worker --eta-hold-limit 2 does the same', { timeout: 90_000 }, async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
    const queue = `eta-hold-cli-${randomSuffix()}`;
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', taskModule, '-b', server.url, '-Q', queue, '-l', 'debug', '--eta-hold-limit', '2'], {
      env: { ...process.env, CELERITY_RESULT_BACKEND: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await waitFor(() => output.includes('ready.'), { timeout: 60_000, message: 'the worker ready' });
      const { id } = await sendCountdown(queue, 'test.add', [2, 3]);
      await waitFor(() => output.includes(`test.add[${id}] succeeded`), { timeout: 30_000, message: 'the countdown task ran' });
      expect(output).toContain(`test.add[${id}] handed to the broker for`);
      expect(output.split(`test.add[${id}] succeeded`)).toHaveLength(2);
      expect(output).not.toMatch(/timed out/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('celerity worker refuses an --eta-hold-limit that is not a number', { timeout: 60_000 }, async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', taskModule, '-b', server.url, '--eta-hold-limit=soon'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(output).toContain("--eta-hold-limit must be a number ≥ 0, got 'soon'");
  });
});
