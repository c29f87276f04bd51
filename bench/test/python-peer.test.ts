import { describe, expect, it } from 'vitest';
import { statCpuTicks, statusPeakRssBytes } from '../src/python-peer/proc-tree.js';
import { preforkRatio, renderPythonPeer } from '../src/python-peer/report.js';
import type { PythonPeerResults } from '../src/python-peer/results.js';
import { summarize } from '../src/stats.js';
import { checkTargets } from '../src/targets.js';
import { sampleResults } from './fixtures.js';

describe('/proc readings', () => {
  it('adds utime and stime, counting fields after the command name even when it holds spaces and parentheses', () => {
    expect(statCpuTicks('42 (python3) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 1 0 1 1 1')).toBe(280);
    expect(statCpuTicks('7 (celery (worker) x) R 1 7 7 0 -1 0 0 0 0 0 11 4 9 9 20 0 3 0 5 6 7')).toBe(15);
    expect(() => statCpuTicks('7 (x) R')).toThrow(/unexpected/);
  });
  it('reads VmHWM in bytes', () => {
    expect(statusPeakRssBytes('Name:\tpython3\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1000 kB\n')).toBe(2048 * 1024);
    expect(statusPeakRssBytes('Name:\tkthreadd\n')).toBeUndefined();
  });
});

describe('Python Celery report', () => {
  const row = (worker: 'python-celery' | 'celerity', pool: 'prefork' | 'threads' | 'async', concurrency: number, rate: number) => ({ worker, pool, concurrency, jobs: 1000, throughput: summarize([rate]), cpuUsPerTask: summarize([100]), peakRssBytes: 64 * 2 ** 20, roundTrip: { p50: summarize([1]), p99: summarize([2]), samples: [500] } });
  const results = (celerityRate: number): PythonPeerResults => ({
    sizes: { reps: 1, pythonJobs: 1000, celerityJobs: 4000, roundTrips: 200, roundTripMinMs: 500, roundTripMaxMs: 3000, roundTripWarmup: 100 },
    python: { celery: '5.2.6' },
    rows: [row('python-celery', 'prefork', 2, 1000), row('celerity', 'async', 2, celerityRate), row('python-celery', 'threads', 10, 500), row('celerity', 'async', 10, 30_000)],
    errors: [],
  });

  it('compares Celerity with the prefork worker at the same concurrency', () => {
    expect(preforkRatio(results(25_000))).toEqual({ concurrency: 2, ratio: 25 });
    expect(preforkRatio({ ...results(25_000), rows: [] })).toBeNull();
  });

  it('marks the 20× target met or missed, and puts the ratio on the Python rows', () => {
    const met = renderPythonPeer(results(25_000));
    expect(met).toContain("prefork worker (processing, concurrency 2 each): 25.00×, met.");
    expect(met).toContain('| Python Celery | threads | 10 | 1,000 | 500 | 60.00× |');
    expect(renderPythonPeer(results(15_000))).toContain('15.00×, **missed**.');
  });

  it('adds the target to the run\'s target table when the Python rows ran', () => {
    const without = checkTargets(sampleResults());
    expect(without.some((t) => t.what.includes('Python'))).toBe(false);
    const target = checkTargets({ ...sampleResults(), python: results(15_000) }).find((t) => t.what.includes('Python'));
    expect(target).toMatchObject({ goal: '≥ 20.0×', ratio: 15, met: false });
  });
});
