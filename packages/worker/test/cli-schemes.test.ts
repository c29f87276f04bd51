// The `celerity` command finds adapter packages by URL scheme; a scheme it cannot place ends the
// command at once with one line on stderr ("did you mean redis://?") and a non-zero exit, before
// any connection or task module is touched. No server needed.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function celerity(args: string[]): Promise<Outcome> {
  // No URL from the environment: only the flags under test.
  const env = { ...process.env };
  for (const name of ['CELERITY_BROKER_URL', 'CELERITY_RESULT_BACKEND', 'CELERY_BROKER_URL', 'CELERY_RESULT_BACKEND']) delete env[name];
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', cli, ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('celerity: URL schemes', () => {
  it('worker -b reddis://… says "did you mean redis://?" in one line and exits 1', async () => {
    const out = await celerity(['worker', '-A', taskModule, '-b', 'reddis://localhost:6379/0']);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('celerity: unknown broker URL scheme reddis:// (did you mean redis://?)\n');
    expect(out.stdout).toBe('');
  });

  it('a mistyped result backend scheme gets its own hint', async () => {
    const out = await celerity(['worker', '-A', taskModule, '-b', 'memory://', '--result-backend', 'rpcc://']);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('celerity: unknown result backend URL scheme rpcc:// (did you mean rpc://?)\n');
  });

  it('a scheme far from every known one lists the known ones', async () => {
    const out = await celerity(['call', 'tasks.add', '-b', 'kafka://localhost:9092']);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('celerity: unknown broker URL scheme kafka:// (known schemes: memory://, redis://, rediss://, sentinel://, rediscluster://, amqp://, amqps://, pyamqp://)\n');
  });
});

describe('URLs from the environment', () => {
  it('reads an empty variable as unset (VAR= celerity … clears it)', async () => {
    const { backendUrlFrom, brokerUrlFrom } = await import('../src/cli/environment.js');
    const saved = { ...process.env };
    try {
      process.env['CELERITY_BROKER_URL'] = '';
      process.env['CELERY_BROKER_URL'] = 'redis://from-celery/0';
      process.env['CELERITY_RESULT_BACKEND'] = '';
      delete process.env['CELERY_RESULT_BACKEND'];
      expect(brokerUrlFrom(undefined)).toBe('redis://from-celery/0');
      expect(backendUrlFrom(undefined)).toBeUndefined();
      expect(brokerUrlFrom('amqp://flag//')).toBe('amqp://flag//');
    } finally {
      process.env = saved;
    }
  });
});
