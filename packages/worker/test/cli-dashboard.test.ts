// `celerity dashboard`'s flags as the dashboard's options, and the one line it ends with when
// @celerity/dashboard is not installed. No server needed.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dashboardOptionsOf, importDashboard } from '../src/cli/dashboard-command.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

describe('celerity dashboard flags', () => {
  it('become the dashboard’s options', () => {
    const { options } = dashboardOptionsOf(['-b', 'redis://h:6379/1', '--result-backend', 'redis://h:6379/2', '--store', 'redis://s:6379/0', '--prefix', 'p:', '--port', '8080', '--host', '::1', '--token', 'secret-token', '--max-tasks', '500', '--max-age', '3600', '--read-only', '-Q', 'a, b'], {});
    expect(options).toEqual({
      broker: 'redis://h:6379/1',
      backend: 'redis://h:6379/2',
      store: 'redis://s:6379/0',
      storePrefix: 'p:',
      port: 8080,
      host: '::1',
      auth: { token: 'secret-token' },
      retention: { maxTasks: 500, maxAgeSeconds: 3600 },
      readOnly: true,
      queues: ['a', 'b'],
    });
  });

  it('defaults to 127.0.0.1:5555, reads the token and store from the environment', () => {
    const { options } = dashboardOptionsOf(['-b', 'redis://h'], { CELERITY_DASHBOARD_TOKEN: 'from-the-env', CELERITY_DASHBOARD_STORE_URL: 'redis://store' });
    expect(options).toMatchObject({ port: 5555, host: '127.0.0.1', readOnly: false, auth: { token: 'from-the-env' }, store: 'redis://store' });
    expect(dashboardOptionsOf(['-b', 'redis://h', '--basic-auth', 'u:p:w'], {}).options['basicAuth']).toBe('u:p:w');
  });

  it('-h asks for the help', () => {
    expect(dashboardOptionsOf(['-h'], {}).help).toBe(true);
    expect(dashboardOptionsOf([], {}).help).toBe(false);
  });

  it('refuses bad values', () => {
    expect(() => dashboardOptionsOf(['--port', '70000'], {})).toThrow("--port must be 0-65535, got '70000'");
    expect(() => dashboardOptionsOf(['--max-age', '1.5'], {})).toThrow("--max-age must be a whole number ≥ 1, got '1.5'");
    expect(() => dashboardOptionsOf(['--token', 'short'], {})).toThrow('--token must be at least 8 characters');
    expect(() => dashboardOptionsOf(['--basic-auth', 'nopass'], {})).toThrow('--basic-auth must be user:password');
    expect(() => dashboardOptionsOf(['--token', 'long-enough', '--basic-auth', 'a:b'], {})).toThrow('--token and --basic-auth are two ways');
  });

  it('says which package to install when @celerity/dashboard is not found', async () => {
    await expect(importDashboard(() => undefined)).rejects.toThrow('celerity dashboard needs @celerity/dashboard, which is not installed (npm install @celerity/dashboard)');
  });

  // In this workspace the root's dev dependencies make @celerity/dashboard findable from the command's
  // own place: the run below only proves the one line where it is not.
  const findable = ((): boolean => {
    try {
      import.meta.resolve('@celerity/dashboard');
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(findable)('ends with one line when @celerity/dashboard is not installed', { timeout: 30_000 }, async () => {
    const empty = await mkdtemp(join(tmpdir(), 'celerity-no-dashboard-'));
    try {
      const { NODE_PATH: _nodePath, ...env } = process.env;
      const outcome = await run(process.execPath, ['--conditions=source', '--import', tsx, cli, 'dashboard', '-b', 'redis://127.0.0.1:6379'], { cwd: empty, env, timeout: 30_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      expect(outcome.code).toBe(1);
      expect(outcome.stderr.trim()).toBe('celerity: celerity dashboard needs @celerity/dashboard, which is not installed (npm install @celerity/dashboard)');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
