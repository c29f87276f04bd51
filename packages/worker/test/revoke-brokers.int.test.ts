/**
 * Revoke and ping over real brokers. Redis: the pidbox via PUBLISH, replies via the binding set and
 * lists, durable revokes in a sorted set. RabbitMQ: the fanout / direct exchanges, durable revokes in
 * a stream queue (on a fresh vhost). Results in Redis either way.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskContext } from '@celerity/core';
import { createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import type { Broker } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { createRedisBackend } from '@celerity/backend-redis';
import { createClient } from '@celerity/client';
import { randomSuffix, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';

const URL = 'redis://127.0.0.1:6379/0';
const json = createJsonSerializer();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});
const ran = new Set<string>();
const mark = defineTask({ name: 'tasks.mark', params: [] }, (ctx: TaskContext) => void ran.add(ctx.id));
let aborted: unknown;
const hold = defineTask({ name: 'tasks.hold', params: [] }, (ctx: TaskContext) => {
  ran.add(ctx.id);
  return new Promise((resolve) => ctx.signal.addEventListener('abort', () => ((aborted = ctx.signal.reason), resolve('aborted'))));
});

type Kind = 'redis' | 'amqp';

async function setup(kind: Kind) {
  const keyPrefix = `revoke-${randomSuffix()}:`;
  let broker: Broker & { revocations: NonNullable<Broker['revocations']> };
  if (kind === 'redis') broker = createRedisBroker({ url: URL, keyPrefix });
  else {
    const vhost = await createTestVhost();
    cleanups.push(() => vhost.dispose());
    broker = createAmqpBroker({ url: vhost.url });
  }
  // AMQP drops messages published to a queue not declared yet.
  await broker.declareQueue('celery');
  const backend = createRedisBackend({ url: URL, keyPrefix });
  const client = createClient({ broker, backend });
  cleanups.push(() => client.close(), () => broker.close(), () => backend.close());
  return { broker, backend, client };
}

describe.each<Kind>(['redis', 'amqp'])('revoke on %s', (kind) => {
  it('a revoke sent while no worker ran is honoured by a worker started later; ping is answered', async () => {
    const { broker, backend, client } = await setup(kind);
    const id = crypto.randomUUID();
    await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.mark', id, args: [] }, { serializer: json }));
    await client.revoke(id);
    expect((await broker.revocations.list(Date.now())).map((r) => r.id)).toEqual([id]);
    const worker = createWorker({ broker, backend, tasks: [mark, hold], hostname: `r1-${randomSuffix()}@test` });
    cleanups.push(() => worker.stop({ force: true }));
    await worker.start();
    const meta = await backend.wait(id, { timeout: 5 });
    expect(meta.status).toBe('REVOKED');
    expect(ran.has(id)).toBe(false);
    const replies = await client.control.ping({ timeout: 1, destination: [worker.hostname] });
    expect(replies).toEqual([{ [worker.hostname]: { ok: 'pong' } }]);
  });

  it('drops an ETA task at once and terminates a running one', async () => {
    const { broker, backend, client } = await setup(kind);
    const worker = createWorker({ broker, backend, tasks: [mark, hold], concurrency: 1 });
    cleanups.push(() => worker.stop({ force: true }));
    await worker.start();
    const later = crypto.randomUUID();
    await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.mark', id: later, args: [], eta: new Date(Date.now() + 600_000) }, { serializer: json }));
    await waitFor(() => worker.stats.scheduled === 1);
    await client.revoke(later);
    expect((await backend.wait(later, { timeout: 5 })).status).toBe('REVOKED');
    expect(worker.stats.scheduled).toBe(0);

    const running = crypto.randomUUID();
    await broker.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.hold', id: running, args: [] }, { serializer: json }));
    await waitFor(() => ran.has(running));
    await client.result(running).revoke({ terminate: true });
    const meta = await backend.wait(running, { timeout: 5 });
    expect(meta.status).toBe('REVOKED');
    expect(meta.result).toMatchObject({ exc_type: 'TaskRevokedError', exc_message: ['terminated'] });
    expect(aborted).toMatchObject({ excType: 'TaskRevokedError' });
  });
});
