// `celerity events` as a user runs it on Redis: the live view (not a TTY: one frame per refresh)
// shows a worker started with events on and its tasks, Ctrl+C exits with 130; a bad flag is one line.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import * as tasks from './fixtures/tasks.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const redisUrl = `redis://127.0.0.1:6379/${1 + Math.floor(Math.random() * 15)}`;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** `celerity events <args>` running: what it printed so far (stdout, then stderr too when asked), and its exit. */
function startEvents(args: string[], withStderr: boolean): { output: () => string; exited: Promise<number | null>; child: ChildProcess } {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'events', '-b', redisUrl, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  if (withStderr) child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => void child.kill('SIGKILL'));
  return { output: () => output, exited, child };
}

/** A worker with events on, consuming a queue of its own, and a client. */
async function eventsWorker(name: string): Promise<{ queue: string; hostname: string; client: ReturnType<typeof createClient> }> {
  const queue = `events-${name}-${crypto.randomUUID()}`;
  const hostname = `${name}-events-${crypto.randomUUID().slice(0, 8)}@test`;
  const broker = createRedisBroker({ url: redisUrl });
  const backend = createRedisBackend({ url: redisUrl });
  const worker = createWorker({ broker, backend, tasks, queues: [queue], hostname, eventsEnabled: true });
  cleanups.push(() => backend.close(), () => broker.close(), () => worker.stop({ force: true }));
  await worker.start();
  return { queue, hostname, client: createClient({ broker, backend }) };
}

describe('celerity events', () => {
  it('shows a worker and its tasks in the live view and exits with 130 on Ctrl+C', { timeout: 60_000 }, async () => {
    const { output, exited, child } = startEvents(['--frequency', '0.2'], true);
    await waitFor(() => output().includes('celerity events —'), { timeout: 30_000 });
    const { queue, hostname, client } = await eventsWorker('cli');
    const result = await client.send('test.add', [20, 22], { queue });
    expect(await result.get({ timeout: 10 })).toBe(42);
    await waitFor(() => output().includes(hostname) && output().includes('ONLINE') && output().includes(result.id) && output().includes('SUCCESS'), { timeout: 10_000 });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
  });

  it('--json prints each event as one line of JSON', { timeout: 90_000 }, async () => {
    const { output, exited, child } = startEvents(['--json'], false);
    // Whole lines only: a chunk may end inside an event.
    const text = (): string => output().slice(0, output().lastIndexOf('\n') + 1);
    const lines = (): Array<Record<string, unknown>> => text().split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as Record<string, unknown>);
    // The command prints nothing before the first event, so its subscription may start after the
    // worker's first events (a loaded machine takes seconds to start it): tasks are sent until one shows.
    const { queue, hostname, client } = await eventsWorker('json');
    const sent = new Set<string>();
    const succeededOne = (): Record<string, unknown> | undefined => lines().find((e) => e['type'] === 'task-succeeded' && sent.has(String(e['uuid'])));
    await waitFor(
      async () => {
        if (succeededOne()) return true;
        const result = await client.send('test.add', [20, 22], { queue });
        sent.add(result.id);
        await result.get({ timeout: 10 });
        return false;
      },
      { timeout: 60_000, interval: 500 },
    );
    const succeeded = succeededOne()!;
    const id = String(succeeded['uuid']);
    expect(succeeded).toMatchObject({ hostname, result: '42' });
    expect(lines().find((e) => e['type'] === 'task-received' && e['uuid'] === id)).toMatchObject({ name: 'test.add', args: '[20, 22]' });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
  });

  it('refuses --dump with --json in one line', async () => {
    const failed = await run(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'events', '--dump', '--json', '-b', redisUrl]).catch((error: unknown) => error as { code: number; stderr: string });
    expect(failed).toMatchObject({ code: 2, stderr: 'celerity events: --dump and --json are two ways to print events; pass one of them\n' });
  });

  it('refuses a bad --frequency in one line', async () => {
    const failed = await run(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'events', '--frequency', 'abc', '-b', redisUrl]).catch((error: unknown) => error as { code: number; stderr: string });
    expect(failed).toMatchObject({ code: 2, stderr: "celerity events: --frequency must be a number of seconds > 0, got 'abc'\n" });
  });
});
