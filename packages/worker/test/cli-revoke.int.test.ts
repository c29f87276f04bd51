// `celerity revoke` as a user runs it on Redis: the broadcast reaches a running worker (a held ETA
// task is revoked at once) and the id lands in the broker's durable revoke store.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import * as tasks from './fixtures/tasks.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const redisUrl = `redis://127.0.0.1:6379/${1 + Math.floor(Math.random() * 15)}`;
const json = createJsonSerializer();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe('celerity revoke', () => {
  it('revokes a held ETA task on a running worker and keeps the ids in the broker', { timeout: 60_000 }, async () => {
    const broker = createRedisBroker({ url: redisUrl });
    const backend = createRedisBackend({ url: redisUrl });
    const queue = `revoke-cli-${crypto.randomUUID()}`;
    const worker = createWorker({ broker, backend, tasks, queues: [queue] });
    cleanups.push(() => backend.close(), () => broker.close(), () => worker.stop({ force: true }));
    await worker.start();
    const id = crypto.randomUUID();
    const other = crypto.randomUUID();
    await broker.publish({ queue }, encodeTaskMessage({ task: 'test.add', id, args: [1, 2], eta: new Date(Date.now() + 600_000) }, { serializer: json }));
    await waitFor(() => worker.stats.scheduled === 1);

    const { stdout } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'revoke', '-b', redisUrl, id, other], { timeout: 60_000 });
    expect(stdout).toContain(`Revoked ${id}, ${other}`);
    expect((await backend.wait(id, { timeout: 10 })).status).toBe('REVOKED');
    expect(worker.stats.scheduled).toBe(0);
    const stored = (await broker.revocations.list(Date.now())).map((r) => r.id);
    expect(stored).toEqual(expect.arrayContaining([id, other]));
  });

  it('asks for at least one id', async () => {
    const failed = await run(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'revoke', '-b', redisUrl]).catch((error: unknown) => error as { code: number; stderr: string });
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('at least one task id is required');
  });
});
