// `celerity dlq` as a user runs it, on Redis and on RabbitMQ: list (text and --json, with counts),
// show, replay one entry (which then runs and succeeds on a worker), purge (refused without --yes).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '@celerity/core';
import { createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { randomSuffix } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { createTestVhost, type TestVhost } from '../../broker-amqp/test/vhost.js';
import * as tasks from './fixtures/tasks.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const redisUrl = `redis://127.0.0.1:6379/${1 + Math.floor(Math.random() * 15)}`;
const json = createJsonSerializer();

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function celerity(brokerUrl: string, args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'dlq', '-b', brokerUrl, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let vhost: TestVhost;
beforeAll(async () => {
  vhost = await createTestVhost();
});
afterAll(async () => {
  await vhost?.dispose();
});

const brokers: Array<{ name: string; url: () => string; make: (url: string) => Broker }> = [
  { name: 'redis', url: () => redisUrl, make: (url) => createRedisBroker({ url }) },
  { name: 'amqp', url: () => vhost.url, make: (url) => createAmqpBroker({ url }) },
];

describe.each(brokers)('celerity dlq on $name', ({ url, make }) => {
  it('lists, shows, replays (the task then runs) and purges', { timeout: 120_000 }, async () => {
    const brokerUrl = url();
    const queue = `celerity-dlq-${randomSuffix()}`;
    const broker = make(brokerUrl);
    const backend = createRedisBackend({ url: redisUrl });
    const [first, second] = [`dlq-a-${randomSuffix()}`, `dlq-b-${randomSuffix()}`];
    try {
      await broker.declareQueue(queue);
      const at = new Date('2026-03-04T05:06:07.000Z');
      await broker.deadLetters!.add(queue, encodeTaskMessage({ task: 'test.add', id: first, args: [2, 3] }, { serializer: json }), { reason: 'max-deliveries', deliveries: 5, error: 'worker lost', at });
      await broker.deadLetters!.add(queue, encodeTaskMessage({ task: 'test.add', id: second, args: [4, 5] }, { serializer: json }), { reason: 'max-deliveries', deliveries: 5, at });

      const listed = await celerity(brokerUrl, ['list', '-Q', queue, '--json']);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual({
        queue,
        count: 2,
        messages: [
          { id: first, queue, task: 'test.add', reason: 'max-deliveries', deliveries: 5, deadAt: at.toISOString(), error: 'worker lost' },
          { id: second, queue, task: 'test.add', reason: 'max-deliveries', deliveries: 5, deadAt: at.toISOString(), error: null },
        ],
      });
      const text = await celerity(brokerUrl, ['list', '-Q', queue, '--limit', '1']);
      expect(text.stdout).toContain(`2 dead-lettered messages in ${queue}\n`);
      expect(text.stdout).toMatch(/ID +TASK +REASON +DELIVERIES +DEAD AT +ERROR/);
      expect(text.stdout).toContain(first);
      expect(text.stdout).not.toContain(second);
      expect(text.stdout).toContain('(the oldest 1 shown; --limit 2 shows all)');

      const shown = JSON.parse((await celerity(brokerUrl, ['show', second, '-Q', queue, '--json'])).stdout) as Record<string, unknown>;
      expect(shown).toMatchObject({ id: second, task: 'test.add', contentType: 'application/json', bodyEncoding: 'utf-8' });
      expect(JSON.parse(shown['body'] as string)).toEqual([[4, 5], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]);
      expect(shown['headers']).toMatchObject({ id: second, task: 'test.add', celerity_dead_reason: 'max-deliveries' });
      expect((await celerity(brokerUrl, ['show', 'nope', '-Q', queue])).code).toBe(1);

      expect(JSON.parse((await celerity(brokerUrl, ['replay', first, '-Q', queue, '--json'])).stdout)).toEqual({ queue, replayed: 1, remaining: 1 });
      expect((await celerity(brokerUrl, ['replay', '-Q', queue])).code).toBe(2);
      const worker = createWorker({ broker: make(brokerUrl), backend: createRedisBackend({ url: redisUrl }), tasks, queues: [queue] });
      await worker.start();
      try {
        const client = createClient({ broker, backend });
        expect(await client.result(first).get({ timeout: 20 })).toBe(5);
      } finally {
        await worker.stop();
        await worker.broker.close();
        await worker.backend?.close();
      }

      const refused = await celerity(brokerUrl, ['purge', '-Q', queue]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`1 dead-lettered message in ${queue} would be deleted; pass --yes to delete them`);
      expect((await celerity(brokerUrl, ['purge', '-Q', queue, '--yes'])).stdout).toBe(`Purged 1 dead-lettered message from ${queue}\n`);
      expect(JSON.parse((await celerity(brokerUrl, ['list', '-Q', queue, '--json'])).stdout)).toEqual({ queue, count: 0, messages: [] });
      expect((await celerity(brokerUrl, ['replay', '--all', '-Q', queue])).stdout).toBe(`Replayed 0 dead-lettered messages to ${queue}; 0 left in its dead-letter queue\n`);
    } finally {
      await broker.deadLetters!.purge(queue).catch(() => 0);
      await broker.purge(queue).catch(() => 0);
      await broker.close();
      await backend.forget(first).catch(() => undefined);
      await backend.close();
    }
  });
});
