// `celerity dashboard` as a user runs it (the worker package's command, this package found installed
// from the current directory): it serves the API for the broker given, finds a worker's events,
// requires auth off loopback, and reads its flags.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { deleteKeys, randomSuffix, waitFor } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import type { TaskSummary } from '../src/contract.js';
import { tasks } from './live-cluster.js';

const cli = createRequire(import.meta.url).resolve('@celerity/worker/package.json').replace(/package\.json$/, 'src/cli.ts');
const packageDir = fileURLToPath(new URL('..', import.meta.url));
// A database of its own: events and control messages on Redis are per database.
const redisUrl = `redis://127.0.0.1:6379/${1 + Math.floor(Math.random() * 15)}`;
const prefix = `celerity-test-dash-cli-${randomSuffix()}:`;
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  const raw = new Redis(redisUrl);
  await deleteKeys(raw, `${prefix}*`);
  raw.disconnect();
});

function celerity(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams & { output(): string; exit: Promise<number | null> } {
  const { CELERITY_BROKER_URL: _b, CELERITY_RESULT_BACKEND: _r, CELERITY_DASHBOARD_TOKEN: _t, ...rest } = process.env;
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, ...args], { cwd: packageDir, env: { ...rest, ...env }, stdio: 'pipe' });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return Object.assign(child, { output: () => output, exit });
}

describe('celerity dashboard', () => {
  it('serves the API for the broker of its --config module and shows a worker’s tasks; stops at SIGINT', { timeout: 60_000 }, async () => {
    // The broker comes only from the configuration module, read as every command reads it.
    const dir = await mkdtemp(join(tmpdir(), 'celerity-dash-config-'));
    const config = join(dir, 'celerity.config.mjs');
    await writeFile(config, `export default { brokerUrl: ${JSON.stringify(redisUrl)} };\n`);
    const child = celerity(['dashboard', '--port', '0', '--config', config, '--prefix', prefix, '--max-tasks', '100', '-l', 'warning']);
    await using _configDir = { [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
    const url = await waitFor(() => /celerity dashboard on (http:\S+)/.exec(child.output())?.[1], { timeout: 40_000, interval: 100 });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const queue = `cli-${randomSuffix()}`;
    const worker = createWorker({ broker: createRedisBroker({ url: redisUrl }), tasks, queues: [queue], hostname: `cli-${randomSuffix()}@test`, eventsEnabled: true });
    await worker.start();
    const client = createClient({ broker: createRedisBroker({ url: redisUrl }) });
    try {
      const sent = await client.send('dash.add', [20, 22], { queue });
      const task = await waitFor(async () => ((await (await fetch(`${url}api/tasks?q=${sent.id}`)).json()) as { tasks: TaskSummary[] }).tasks.find((t) => t.state === 'SUCCESS'), { timeout: 20_000, interval: 200 });
      expect(task).toMatchObject({ id: sent.id, name: 'dash.add', result: '42' });
      expect(await (await fetch(`${url}api/session`)).json()).toMatchObject({ authRequired: false, readOnly: false });
    } finally {
      await worker.stop({ force: true });
      await worker.broker.close();
      await client.close();
      await client.broker.close();
    }
    child.kill('SIGINT');
    expect(await child.exit).toBe(130);
  });

  it('refuses a non-loopback address without auth, and bad flags, in one line', { timeout: 60_000 }, async () => {
    const open = celerity(['dashboard', '--host', '0.0.0.0', '--port', '0', '-b', redisUrl, '--prefix', prefix]);
    expect(await open.exit).toBe(1);
    expect(open.output().trim()).toBe('celerity: refusing to serve the dashboard on 0.0.0.0 without auth: give a token (--token, CELERITY_DASHBOARD_TOKEN) or basic auth (--basic-auth user:pass), or bind to 127.0.0.1');
    const bad = celerity(['dashboard', '--max-tasks', '0', '-b', redisUrl]);
    expect(await bad.exit).toBe(2);
    expect(bad.output().trim()).toBe("celerity: --max-tasks must be a whole number ≥ 1, got '0'");
    const both = celerity(['dashboard', '--token', 'abcdefghij', '--basic-auth', 'a:b', '-b', redisUrl]);
    expect(await both.exit).toBe(2);
    expect(both.output()).toMatch(/--token and --basic-auth are two ways/);
    const amqp = celerity(['dashboard', '-b', 'amqp://guest:guest@127.0.0.1:5672//']);
    expect(await amqp.exit).toBe(1);
    expect(amqp.output()).toMatch(/keeps its history in Redis: give store \(--store <redis-url>\)/);
  });

  it('with CELERITY_DASHBOARD_TOKEN on 0.0.0.0: the API needs the token', { timeout: 60_000 }, async () => {
    const child = celerity(['dashboard', '--host', '0.0.0.0', '--port', '0', '-b', redisUrl, '--prefix', prefix, '-l', 'warning'], { CELERITY_DASHBOARD_TOKEN: 'env-token-123' });
    const url = await waitFor(() => /celerity dashboard on (http:\S+)/.exec(child.output())?.[1], { timeout: 40_000, interval: 100 });
    const port = new URL(url).port;
    expect((await fetch(`http://127.0.0.1:${port}/api/session`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/api/session`, { headers: { authorization: 'Bearer env-token-123' } })).status).toBe(200);
    child.kill('SIGTERM');
    expect(await child.exit).toBe(143);
  });
});
