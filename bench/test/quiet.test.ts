import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { renderMachine } from '../src/report-md.js';
import { busyShare, waitForQuiet } from '../src/quiet.js';
import { sampleResults } from './fixtures.js';

describe('waiting for a quiet machine', () => {
  it('sees a process spinning on one CPU as busy', async () => {
    const spinner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const busy = await busyShare(500);
      expect(busy).toBeDefined();
      // One spinning core out of n: at least a share of 1/n, less what the scheduler takes away.
      expect(busy!).toBeGreaterThanOrEqual(0.8 / cpus().length);
    } finally {
      spinner.kill('SIGKILL');
    }
  });

  it('returns at once when the threshold allows anything, and gives up after maxMs otherwise', async () => {
    expect(await waitForQuiet({ threshold: 1, maxMs: 0, sampleMs: 50 })).toMatchObject({ quiet: true });
    const never = await waitForQuiet({ threshold: -1, maxMs: 200, sampleMs: 50 });
    expect(never.quiet).toBe(false);
    expect(never.waitedS).toBeGreaterThanOrEqual(0.2);
  });

  it('reports what the CPUs did before each scenario', () => {
    const results = sampleResults();
    results.machine.quiet = [
      { scenario: 'enqueue', busy: 0.03, waitedS: 1, quiet: true },
      { scenario: 'process', busy: 0.4, waitedS: 10, quiet: false },
    ];
    expect(renderMachine(results)).toContain('at most 15% busy, and they were: enqueue 3%, process 40% after 10 s (not quiet)');
  });
});
