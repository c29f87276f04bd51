// A `celerity worker` process told to shut down through remote control (Celery's `shutdown`
// command) stops warmly and exits 0; it logs Celery's "Got shutdown from remote".
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { waitFor } from '@celerity/testing';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
const url = `redis://127.0.0.1:6379/${1 + Math.floor(Math.random() * 15)}`;
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe('celerity worker and remote shutdown', () => {
  it('exits 0 after a warm stop', { timeout: 60_000 }, async () => {
    const hostname = `remote-${crypto.randomUUID()}@test`;
    const worker = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', taskModule, '-Q', `q-${crypto.randomUUID()}`, '-n', hostname, '-l', 'info'], {
      env: { ...process.env, CELERITY_BROKER_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(worker);
    let output = '';
    worker.stdout.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    await waitFor(() => output.includes('ready.'), { timeout: 30_000 });

    const client = createClient({ broker: createRedisBroker({ url }) });
    try {
      expect(await client.control.inspect({ timeout: 2, limit: 1, destination: [hostname] }).ping()).toEqual({ [hostname]: { ok: 'pong' } });
      await client.control.shutdown({ destination: [hostname] });
      expect(await exited).toBe(0);
    } finally {
      await client.close();
      await client.broker.close();
    }
    expect(output).toContain('Got shutdown from remote');
  });
});
