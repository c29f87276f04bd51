// The `celerity` command as a user runs it: the worker banner and Celery-style log lines, `call`
// with --wait, `result`, --help everywhere, and a warm shutdown on SIGTERM.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celerity/testing';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
const url = `redis://127.0.0.1:6379/${1 + Math.floor(Math.random() * 15)}`;
const queue = `celerity-cli-${crypto.randomUUID()}`;
const nodeArgs = ['--conditions=source', '--import', 'tsx', cli];

function celerity(args: string[]) {
  return run(process.execPath, [...nodeArgs, ...args], { env: { ...process.env, CELERITY_BROKER_URL: url, CELERITY_RESULT_BACKEND: url }, timeout: 60_000 });
}

const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe('celerity command', () => {
  it('prints help for every command', async () => {
    expect((await celerity(['--help'])).stdout).toMatch(/worker[\s\S]*call[\s\S]*result[\s\S]*dlq/);
    expect((await celerity(['worker', '--help'])).stdout).toContain('--concurrency');
    expect((await celerity(['worker', '--help'])).stdout).toContain('--max-deliveries <n>');
    expect((await celerity(['dlq', '--help'])).stdout).toContain('replay <id> | --all');
    await expect(celerity(['dlq', 'bogus'])).rejects.toMatchObject({ code: 2 });
    expect((await celerity(['call', '--help'])).stdout).toContain('--countdown');
    expect((await celerity(['result', '--help'])).stdout).toContain('--timeout');
    await expect(celerity(['bogus'])).rejects.toMatchObject({ code: 2 });
  });

  it('runs a worker, calls a task, reads its result, and stops warmly on SIGTERM', async () => {
    const worker = spawn(process.execPath, [...nodeArgs, 'worker', '-A', taskModule, '-Q', queue, '-c', '3', '-l', 'info'], {
      env: { ...process.env, CELERITY_BROKER_URL: url, CELERITY_RESULT_BACKEND: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(worker);
    let output = '';
    worker.stdout.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => output.includes('ready.'), { timeout: 30_000 });
    expect(output).toContain(`.> transport:   ${url}`);
    expect(output).toContain('.> concurrency: 3');
    expect(output).toMatch(/\[tasks\]\n {2}\. test\.add\n {2}\. test\.sleepy/);

    const called = await celerity(['call', 'test.add', '--args', '[2, 3]', '-Q', queue, '--wait', '--timeout', '20']);
    const [id, value] = called.stdout.trim().split('\n');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(value).toBe('5');
    expect((await celerity(['result', id!, '--timeout', '5'])).stdout.trim()).toBe('5');
    await waitFor(() => output.includes(`Task test.add[${id}] succeeded in`), { timeout: 10_000 });
    expect(output).toContain(`Received task: test.add[${id}]`);
    expect(output).toMatch(new RegExp(`Task test\\.add\\[${id}\\] succeeded in \\d+\\.\\d+s: 5`));

    const failed = await celerity(['call', 'test.nope', '-Q', queue, '--wait', '--timeout', '20']).catch((e: { code: number; stdout: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stdout: string }).stdout).toContain('NotRegistered');
    await waitFor(() => output.includes("Received unregistered task of type 'test.nope'"), { timeout: 10_000 });

    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('Warm shutdown');
  }, 90_000);

  it('--eta-task-limit 1 holds one countdown task and leaves the next in the queue', async () => {
    const limited = `celerity-cli-eta-${crypto.randomUUID()}`;
    const worker = spawn(process.execPath, [...nodeArgs, 'worker', '-A', taskModule, '-Q', limited, '-l', 'info', '--eta-task-limit', '1'], {
      env: { ...process.env, CELERITY_BROKER_URL: url, CELERITY_RESULT_BACKEND: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(worker);
    let output = '';
    worker.stdout.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => output.includes('ready.'), { timeout: 30_000 });
    await celerity(['call', 'test.add', '--args', '[1, 1]', '-Q', limited, '--countdown', '600']);
    await celerity(['call', 'test.add', '--args', '[2, 2]', '-Q', limited, '--countdown', '600']);
    await waitFor(() => output.includes('ETA:['), { timeout: 20_000 });
    // Three poll intervals later the second is still waiting in the list, not held by the worker.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(output.match(/Received task: test\.add/g)).toHaveLength(1);
    const { Redis } = await import('ioredis');
    const redis = new Redis(url);
    expect(await redis.llen(limited)).toBe(1);
    await redis.del(limited);
    await redis.quit();
    worker.kill('SIGKILL');
  }, 90_000);

  it('--connect-retry-max-delay caps the wait between start-up attempts; a bad value is refused', async () => {
    const dead = 'redis://127.0.0.1:1/0';
    const started = await run(process.execPath, [...nodeArgs, 'worker', '-A', taskModule, '-b', dead, '--connect-retries', '2', '--connect-retry-delay', '5', '--connect-retry-max-delay', '0.2'], {
      env: { ...process.env, CELERITY_RESULT_BACKEND: '' },
      timeout: 60_000,
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(started).toMatchObject({ code: 1 });
    const log = `${(started as { stdout: string }).stdout}${(started as { stderr: string }).stderr}`;
    expect(log).toContain('Trying again in 0.20 seconds... (1/2)');
    expect(log).toContain('Trying again in 0.20 seconds... (2/2)');
    const refused = await celerity(['worker', '-A', taskModule, '--connect-retry-max-delay', 'later']).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { stderr: string }).stderr).toContain("--connect-retry-max-delay must be a number ≥ 0, got 'later'");
  }, 90_000);
});
