// `celerity worker`'s --log-format and --metrics-port: how they read, and the one-line errors for a
// bad value or a missing @celerity/metrics. No server needed (the errors come before any connection).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { logFormatOf, metricsPortOf } from '../src/cli/observability.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
// By path: the command runs in a directory where `--import tsx` would not resolve.
const tsx = createRequire(import.meta.url).resolve('tsx');

async function celerity(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  try {
    // Without NODE_PATH (pnpm's bin shims set it to the store's hoisted packages): only cwd and the command's own place count.
    const { NODE_PATH: _nodePath, ...env } = process.env;
    const { stderr } = await run(process.execPath, ['--conditions=source', '--import', tsx, cli, ...args], { cwd, env, timeout: 30_000 });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('--log-format', () => {
  it('is text on a terminal and JSON lines otherwise, unless told', () => {
    expect(logFormatOf(undefined, true)).toBe('text');
    expect(logFormatOf(undefined, false)).toBe('json');
    expect(logFormatOf('json', true)).toBe('json');
    expect(logFormatOf('TEXT', false)).toBe('text');
    expect(() => logFormatOf('yaml', false)).toThrow("--log-format must be text or json, got 'yaml'");
  });
});

describe('--metrics-port', () => {
  it('takes a port number, 0 for any free one', () => {
    expect(metricsPortOf(undefined)).toBeUndefined();
    expect(metricsPortOf('9808')).toBe(9808);
    expect(metricsPortOf('0')).toBe(0);
    for (const bad of ['', 'abc', '-1', '65536', '80.5']) expect(() => metricsPortOf(bad)).toThrow('--metrics-port must be a port number');
  });

  it('ends the command with one line when @celerity/metrics is not installed, or the value is bad', async () => {
    // A directory with no node_modules: the command finds @celerity/metrics neither there nor beside itself.
    const empty = await mkdtemp(join(tmpdir(), 'celerity-no-metrics-'));
    try {
      const missing = await celerity(['worker', '-A', taskModule, '--metrics-port', '9808'], empty);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toBe('celerity: --metrics-port needs @celerity/metrics, which is not installed (npm install @celerity/metrics)');
      const bad = await celerity(['worker', '-A', taskModule, '--metrics-port', 'abc', '--log-format', 'json'], empty);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toBe("celerity: --metrics-port must be a port number (0-65535), got 'abc'");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  }, 30_000);
});
