// Issue 11: the worker banner and the `celerity` command never show a password: not in the banner,
// not in a log line, not in the error a bad URL ends the command with.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { badSecretUrls, expectNoSecret, freePort, secretUrls, waitFor } from '@celerity/testing';
import { renderBanner } from '../src/cli/banner.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
const nodeArgs = ['--conditions=source', '--import', 'tsx', cli];
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

const banner = (transport: string, results: string): string =>
  renderBanner({ hostname: 'celerity@test', app: 'tasks.ts', transport, results, concurrency: 1, queues: ['celery'], tasks: [] });

describe('no password in the banner or the command output', () => {
  it('the banner hides the password of every URL, as Celery does (**)', () => {
    const urls = [...secretUrls('redis', '127.0.0.1', 6379, '/0'), ...secretUrls('amqp', '127.0.0.1', 5672, '//'), ...badSecretUrls('redis'), ...badSecretUrls('amqp')];
    for (const url of urls) expectNoSecret(banner(url, url), `banner for ${url}`);
    const text = banner(secretUrls('redis', 'cache', 6379, '/0')[1] ?? '', 'disabled://');
    expect(text).toContain('.> transport:   redis://celerity-user:**@cache:6379/0');
    expect(text).toContain('.> results:     disabled://');
  });

  it.each([badSecretUrls('redis')[0], badSecretUrls('amqp')[3]])('celerity worker -b %s fails without showing it', async (url) => {
    const failed = await run(process.execPath, [...nodeArgs, 'worker', '-A', taskModule, '-b', url ?? ''], { timeout: 60_000 }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1 });
    const { stdout, stderr } = failed as { stdout: string; stderr: string };
    expect(stderr).toMatch(/^celerity: /);
    expectNoSecret(`${stdout}\n${stderr}`, 'command output');
  });

  it('celerity worker against an unreachable Redis: banner and connection warnings without the password', async () => {
    const port = await freePort();
    const [broker, backend] = [secretUrls('redis', '127.0.0.1', port, '/9')[0] ?? '', secretUrls('redis', '127.0.0.1', port, '/1')[2] ?? ''];
    const worker = spawn(process.execPath, [...nodeArgs, 'worker', '-A', taskModule, '-b', broker, '--result-backend', backend, '-l', 'debug'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(worker);
    let output = '';
    worker.stdout.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => output.includes('transport:') && output.includes('ECONNREFUSED'), { timeout: 30_000, message: 'the banner and a connection warning' });
    worker.kill('SIGKILL');
    expect(output).toContain(`.> transport:   redis://:**@127.0.0.1:${port}/9`);
    expect(output).toContain(`.> results:     redis://celerity-user:**@127.0.0.1:${port}/1`);
    expectNoSecret(output, 'worker output');
  });
});
