/**
 * Issue 17: task priorities on quorum queues. RabbitMQ 4.0 gives quorum queues two priority levels
 * with no queue argument: a message whose `priority` property is 5 or more is high, anything else
 * (0–4, or none) normal, and a consumer gets high and normal messages 2 to 1 while both wait
 * (FIFO within each level; 9 does not overtake 5). Celery's `x-max-priority` has no quorum
 * counterpart: RabbitMQ 3.10 and 4.0 both refuse the argument on a quorum queue (406), so
 * `maxPriority` with `queueType: 'quorum'` is a ConfigurationError before anything is sent, and a
 * task's priority 0–9 maps to normal (0–4) or high (5–9). RabbitMQ 3.10's quorum queues ignore
 * priorities (FIFO), shown here on the shared server for contrast. The 4.0 node comes from the
 * trixie chroot (rabbitmq4-node.ts); outside CI the 4.0 part is skipped when it cannot start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, defineTask } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import type { AmqpBroker } from '@celerity/broker-amqp';
import { createClient } from '@celerity/client';
import { randomSuffix, waitFor } from '@celerity/testing';
import type { RabbitServer } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';
import type { TestVhost } from '../../broker-amqp/test/vhost.js';
import { rabbit4Unavailable, startRabbit4 } from './rabbitmq4-node.js';

const unavailable = await rabbit4Unavailable();
const skip4 = unavailable !== undefined && !process.env['CI'];

/** Priorities published, in this order, before a worker consumes: six normal, then six high. */
const SENT = [0, 0, 2, 4, 4, undefined, 5, 5, 7, 9, 9, 9] as const;

/**
 * Publishes one task per entry of `SENT` (its index as argument) to a fresh quorum queue, then
 * starts a worker with one slot and a prefetch of 1 and returns the order the tasks ran in.
 */
async function runOrder(url: string): Promise<number[]> {
  const queue = `prio.quorum-${randomSuffix()}`;
  const order: number[] = [];
  const note = defineTask({ name: 'tasks.note', params: ['n'] }, (n: number) => void order.push(n));
  const clientBroker = createAmqpBroker({ url });
  const workerBroker = createAmqpBroker({ url });
  const client = createClient({ broker: clientBroker, queues: { [queue]: { queueType: 'quorum' } } });
  const worker = createWorker({ broker: workerBroker, tasks: [note], queues: [queue], queueOptions: { [queue]: { queueType: 'quorum' } }, concurrency: 1, prefetch: 1, hostname: `prio-${randomSuffix()}@test` });
  try {
    for (const [n, priority] of SENT.entries()) await client.send('tasks.note', [n], { queue, ...(priority !== undefined ? { priority } : {}) });
    await worker.start();
    await waitFor(() => order.length === SENT.length, { timeout: 30_000, message: 'every task run' });
    return order;
  } finally {
    await worker.stop({ force: true });
    await clientBroker.purge(queue).catch(() => undefined);
    await client.close();
    await workerBroker.close();
    await clientBroker.close();
  }
}

/** `H` for a task sent with priority 5 or more, `N` for the others. */
const levels = (order: number[]): string => order.map((n) => ((SENT[n] ?? 0) >= 5 ? 'H' : 'N')).join('');

it('a quorum queue refuses maxPriority before anything is sent', async () => {
  const broker = createAmqpBroker({ url: 'amqp://guest:guest@127.0.0.1:1//' });
  try {
    await expect(broker.declareQueue('q', { queueType: 'quorum', maxPriority: 10 })).rejects.toBeInstanceOf(ConfigurationError);
  } finally {
    await broker.close();
  }
});

describe('RabbitMQ 3.10 (the shared server)', () => {
  let vhost: TestVhost;
  beforeAll(async () => {
    vhost = await createTestVhost();
  }, 60_000);
  afterAll(async () => {
    await vhost?.dispose();
  }, 60_000);

  it('ignores priorities on a quorum queue: tasks run in the order sent', { timeout: 120_000 }, async () => {
    expect(await runOrder(vhost.url)).toEqual(SENT.map((_, n) => n));
  });
});

describe.skipIf(skip4)('RabbitMQ 4.0' + (skip4 ? ` (skipped: ${unavailable})` : ''), () => {
  let node: RabbitServer;
  let broker: AmqpBroker;
  beforeAll(async () => {
    if (unavailable !== undefined) throw new Error(`CI needs a RabbitMQ 4 node: ${unavailable}`);
    node = await startRabbit4();
    broker = createAmqpBroker({ url: node.url });
  }, 180_000);
  afterAll(async () => {
    await broker?.close();
    await node?.dispose();
  }, 60_000);

  it('runs high-priority tasks (5–9) ahead of normal ones (0–4, none), two to one, FIFO within each level', { timeout: 120_000 }, async () => {
    const order = await runOrder(node.url);
    expect(levels(order)).toBe('HHNHHNHHNNNN');
    // Within a level, the order sent: priority 9 does not overtake 5.
    expect(order.filter((n) => (SENT[n] ?? 0) >= 5)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(order.filter((n) => (SENT[n] ?? 0) < 5)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("refuses Celery's x-max-priority argument on a quorum queue", async () => {
    await expect(broker.declareQueue(`prio.max-${randomSuffix()}`, { queueType: 'quorum', arguments: { 'x-max-priority': 10 } })).rejects.toThrow(/x-max-priority/);
  });
});
