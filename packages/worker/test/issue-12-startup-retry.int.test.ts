// Issue 12: `celerity worker` started while its broker is down retries with one line per attempt and
// consumes once the server answers; a wrong password or exhausted retries end the process with a
// non-zero code and one line, instead of leaving it alive without consuming.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, waitFor } from '@celerity/testing';
import type { RedisServer } from '@celerity/testing';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
const nodeArgs = ['--conditions=source', '--import', 'tsx', cli];

interface Child {
  output: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
}

const children: Array<ReturnType<typeof spawn>> = [];
const servers: RedisServer[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const server of servers) await server.stop();
});

function worker(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [...nodeArgs, 'worker', '-A', taskModule, '-l', 'info', ...args], {
    env: { ...process.env, CELERITY_BROKER_URL: '', CELERITY_RESULT_BACKEND: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { output: () => output, exited, kill: (signal) => child.kill(signal) };
}

/** Resolves with the exit code, or `'alive'` if the process is still running after `ms`. */
function exitWithin(child: Child, ms: number): Promise<number | null | 'alive'> {
  return Promise.race([child.exited, new Promise<'alive'>((resolve) => setTimeout(() => resolve('alive'), ms).unref())]);
}

describe('celerity worker start-up (issue 12)', () => {
  it('retries while nothing listens, then consumes once a redis-server comes up on the port', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}/0`;
    const queue = `celerity-startup-${crypto.randomUUID()}`;
    const child = worker(['-b', url, '--result-backend', url, '-Q', queue, '--connect-retry-delay', '0.2']);
    await waitFor(() => /Trying again in 0\.40 seconds\.\.\. \(2\/100\)/.test(child.output()), { timeout: 30_000 });
    expect(child.output()).toMatch(new RegExp(`Cannot connect to redis://127\\.0\\.0\\.1:${port}/0: .*ECONNREFUSED.*Trying again in 0\\.20 seconds\\.\\.\\. \\(1/100\\)`));
    expect(child.output()).not.toContain('ready.');

    const server = await startRedisServer({ port });
    servers.push(server);
    await waitFor(() => child.output().includes('ready.'), { timeout: 30_000 });
    const called = await run(process.execPath, [...nodeArgs, 'call', 'test.add', '--args', '[20, 22]', '-Q', queue, '--wait', '--timeout', '20'], {
      env: { ...process.env, CELERITY_BROKER_URL: url, CELERITY_RESULT_BACKEND: url },
      timeout: 60_000,
    });
    expect(called.stdout.trim().split('\n')[1]).toBe('42');
    child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }, 120_000);

  it('exits non-zero at once with one line naming a refused password, without the password', async () => {
    const server = await startRedisServer({ password: 'right-pass-3c1f' });
    servers.push(server);
    const url = `redis://:wrong-pass-9d2e@127.0.0.1:${server.port}/0`;
    const child = worker(['-b', url]);
    expect(await exitWithin(child, 30_000)).toBe(1);
    const failures = child.output().split('\n').filter((line) => line.includes('cannot start'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/WRONGPASS|invalid password|NOAUTH/);
    expect(child.output()).not.toContain('Trying again');
    expect(child.output()).not.toContain('wrong-pass-9d2e');
  }, 60_000);

  it('exits non-zero when the retries run out (Redis)', async () => {
    const port = await freePort();
    const child = worker(['-b', `redis://127.0.0.1:${port}/0`, '--connect-retries', '2', '--connect-retry-delay', '0.1']);
    expect(await exitWithin(child, 30_000)).toBe(1);
    expect(child.output()).toContain('(1/2)');
    expect(child.output()).toContain('(2/2)');
    expect(child.output()).toMatch(new RegExp(`cannot start: Cannot connect to redis://127\\.0\\.0\\.1:${port}/0 \\(gave up after 3 attempts\\)`));
  }, 60_000);

  it('exits non-zero when the retries run out (RabbitMQ)', async () => {
    const port = await freePort();
    const child = worker(['-b', `amqp://guest:guest@127.0.0.1:${port}//`, '--connect-retries', '1', '--connect-retry-delay', '0.1']);
    expect(await exitWithin(child, 30_000)).toBe(1);
    expect(child.output()).toContain('(1/1)');
    expect(child.output()).toMatch(/cannot start: Cannot connect to amqp:\/\/guest:\*\*@127\.0\.0\.1:\d+\/\/ \(gave up after 2 attempts\)/);
  }, 60_000);

  it('exits non-zero at once when RabbitMQ refuses the credentials', async () => {
    const child = worker(['-b', 'amqp://guest:wrong-pass-7a4b@127.0.0.1:5672//']);
    expect(await exitWithin(child, 30_000)).toBe(1);
    const failures = child.output().split('\n').filter((line) => line.includes('cannot start'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/ACCESS_REFUSED|authentication/i);
    expect(child.output()).not.toContain('Trying again');
    expect(child.output()).not.toContain('wrong-pass-7a4b');
  }, 60_000);
});
