// `celerity worker` reading the configuration: a --config module under CELERITY_* variables under
// flags, and the soft shutdown on SIGQUIT with --soft-shutdown-timeout (Redis).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '@celerity/client';
import { brokerAdapter } from '@celerity/broker-redis';
import { backendAdapter } from '@celerity/backend-redis';
import { waitFor } from '@celerity/testing';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
const url = `redis://127.0.0.1:6379/${1 + Math.floor(Math.random() * 15)}`;
const dir = mkdtempSync(join(tmpdir(), 'celerity-config-'));
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', taskModule, '-l', 'info', ...args], {
    env: { ...process.env, CELERITY_BROKER_URL: '', CELERY_BROKER_URL: '', CELERITY_RESULT_BACKEND: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const state = { output: '' };
  child.stdout.on('data', (d: Buffer) => (state.output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (state.output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, state, exited };
}

describe('celerity worker configuration', () => {
  it('reads --config, lets CELERITY_* variables win over it and flags over both; SIGQUIT soft-shuts down', async () => {
    const queue = `celerity-cfg-${crypto.randomUUID()}`;
    const config = join(dir, 'celerity.config.mjs');
    writeFileSync(config, `export default { brokerUrl: ${JSON.stringify(url)}, resultBackend: ${JSON.stringify(url)}, taskDefaultQueue: ${JSON.stringify(queue)}, workerConcurrency: 2, workerSoftShutdownTimeout: 30 };\n`);
    const { child, state, exited } = startWorker(['--config', config, '--soft-shutdown-timeout', '0.5'], { CELERITY_WORKER_CONCURRENCY: '3' });
    await waitFor(() => state.output.includes('ready.'), { timeout: 30_000 });
    expect(state.output).toContain(`.> transport:   ${url}`);
    expect(state.output).toContain('.> concurrency: 3');
    expect(state.output).toContain(`.> ${queue}`);

    const client = createClient({ broker: url, backend: url, adapters: [brokerAdapter, backendAdapter], defaultQueue: queue });
    const redis = new Redis(url);
    try {
      const quick = await client.send('test.sleepy', [200, 'quick']);
      const slow = await client.send('test.sleepy', [60_000, 'slow']);
      await waitFor(() => state.output.includes(`test.sleepy[${slow.id}]`) && state.output.includes(`test.sleepy[${quick.id}]`), { timeout: 10_000 });
      child.kill('SIGQUIT');
      // Soft: the short task finishes, the long one is cancelled after 0.5 s (the flag, not the module's 30 s) and requeued.
      expect(await exited).toBe(1);
      expect(state.output).toContain('Cold shutdown');
      expect(state.output).toContain('Initiating Soft Shutdown, terminating in 0.5 seconds');
      expect(await quick.get({ timeout: 5 })).toBe('quick');
      expect(state.output).toContain(`Task test.sleepy[${slow.id}] cancelled by the shutdown`);
      expect((await client.result(slow.id).state())).toBe('RETRY');
      expect(await redis.llen(queue)).toBe(1);
    } finally {
      await redis.del(queue);
      redis.disconnect();
      await client.close();
    }
  }, 60_000);

  it('refuses a bad setting from the environment, naming it', async () => {
    const { state, exited } = startWorker([], { CELERITY_TASK_ACKS_LATE: 'sometimes' });
    expect(await exited).toBe(1);
    expect(state.output).toContain('Invalid setting taskAcksLate (from CELERITY_TASK_ACKS_LATE)');
  }, 30_000);
});
