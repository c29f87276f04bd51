import { describe, expect, it } from 'vitest';
import { FULL, QUICK } from '../src/config.js';
import { eventsFromFeatures } from '../src/events/scenario.js';
import { featureRows, featuresSizes, rowOrder } from '../src/features/plan.js';
import { statCpuUs, statusBytes } from '../src/features/proc.js';
import { featureRatio, renderFeatures } from '../src/features/report.js';
import type { FeatureFigures, FeaturesResults } from '../src/features/results.js';
import { summarize } from '../src/stats.js';

describe('featureRows', () => {
  it('compares every feature at concurrency 100 with the baseline, and each pool with the async pool at its concurrency', () => {
    const rows = featureRows('all');
    expect(rows.map((r) => r.id)).toEqual(['baseline', 'events', 'acks-late', 'result-extended', 'rate-limit', 'eta-held', 'tracing', 'async c=2', 'threads c=2', 'processes c=2', 'async c=8', 'threads c=8', 'processes c=8']);
    expect(rows.find((r) => r.id === 'tracing')).toEqual({ id: 'tracing', feature: 'tracing', pool: 'async', concurrency: 100, baseline: 'baseline' });
    expect(rows.find((r) => r.id === 'processes c=8')).toEqual({ id: 'processes c=8', feature: 'baseline', pool: 'processes', concurrency: 8, baseline: 'async c=8' });
  });
  it('runs only the baseline and the events row for the events part', () => {
    expect(featureRows('events').map((r) => r.id)).toEqual(['baseline', 'events']);
  });
});

describe('rowOrder', () => {
  it('keeps the planned order in even repetitions and reverses it in odd ones, without touching its input', () => {
    const rows = ['a', 'b', 'c'];
    expect(rowOrder(rows, 0)).toEqual(['a', 'b', 'c']);
    expect(rowOrder(rows, 1)).toEqual(['c', 'b', 'a']);
    expect(rowOrder(rows, 2)).toEqual(['a', 'b', 'c']);
    expect(rows).toEqual(['a', 'b', 'c']);
  });
});

describe('featuresSizes', () => {
  it('holds 10,000 ETA tasks in both modes, with fewer tasks and repetitions in a quick run', () => {
    expect(featuresSizes(QUICK)).toEqual({ reps: 3, jobs: 5000, heldEta: 10_000, concurrency: 100 });
    expect(featuresSizes(FULL)).toEqual({ reps: 5, jobs: 50_000, heldEta: 10_000, concurrency: 100 });
  });
});

describe('/proc parsing', () => {
  it('reads utime + stime after the command name, even one holding spaces and parentheses', () => {
    expect(statCpuUs('42 (node) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0')).toBe(3_000_000);
    expect(statCpuUs('7 (a b) c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0')).toBe(70_000);
    expect(() => statCpuUs('7 (x) R 1')).toThrow(/unreadable/);
  });
  it('reads a kB field of /proc/<pid>/status in bytes', () => {
    const status = 'Name:\tnode\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n';
    expect(statusBytes(status, 'VmHWM')).toBe(2048 * 1024);
    expect(statusBytes(status, 'VmRSS')).toBe(1024 * 1024);
    expect(statusBytes(status, 'VmSwap')).toBeUndefined();
  });
});

function figures(id: string, baseline: string, rates: number[], extra: Partial<FeatureFigures> = {}): FeatureFigures {
  return { id, feature: 'baseline', pool: 'async', concurrency: 100, baseline, rate: summarize(rates), workerCpuUs: summarize([20]), redisCpuUs: summarize([12]), peakRssBytes: 100 * 2 ** 20, check: '', ...extra };
}

function sample(): FeaturesResults {
  return {
    sizes: { reps: 3, jobs: 5000, heldEta: 10_000, concurrency: 100 },
    rows: [
      figures('baseline', 'baseline', [30_000, 29_000, 31_000]),
      figures('events', 'baseline', [24_000, 25_000, 23_000], { feature: 'events', check: '3.00 event messages per task' }),
      figures('async c=2', 'async c=2', [10_000]),
      figures('processes c=2', 'async c=2', [4000], { pool: 'processes', concurrency: 2, peakRssBytes: 300 * 2 ** 20 }),
      figures('threads c=8', 'async c=8', [5000], { pool: 'threads', concurrency: 8 }),
    ],
    heard: [15_000, 15_001, 14_999],
    errors: [{ row: 'tracing', message: 'no span exported\nstack' }],
  };
}

describe('renderFeatures', () => {
  it('gives each row its ratio to its own baseline, what it was compared with and what was checked', () => {
    const results = sample();
    expect(featureRatio(results.rows, results.rows[1]!)).toBeCloseTo(0.8);
    expect(featureRatio(results.rows, results.rows[4]!)).toBeNull();
    const md = renderFeatures(results);
    expect(md).toContain('| baseline | async | 100 | 30,000 (29,000–31,000) | — | 1.00× | 20 | 12 | 100 | — |');
    expect(md).toContain('| events | async | 100 | 24,000 (23,000–25,000) | baseline | 0.80× | 20 | 12 | 100 | 3.00 event messages per task |');
    expect(md).toContain('| processes c=2 | processes | 2 | 4,000 | async c=2 | 0.40× | 20 | 12 | 300 | — |');
    expect(md).toContain('| threads c=8 | threads | 8 | 5,000 | async c=8 | — |');
    expect(md).toContain('10,000 tasks whose ETA is a day ahead');
    expect(md).toContain('- tracing: no span exported');
    expect(md).not.toContain('stack');
  });
});

describe('eventsFromFeatures', () => {
  it('reads events off from the baseline row and on from the events row, with their failures only', () => {
    const results = sample();
    results.errors.push({ row: 'events', message: 'boom' });
    const events = eventsFromFeatures(results);
    expect(events.sizes).toEqual({ reps: 3, jobs: 5000, concurrency: 100 });
    expect(events.off?.median).toBe(30_000);
    expect(events.on?.median).toBe(24_000);
    expect(events.heard).toEqual([15_000, 15_001, 14_999]);
    expect(events.errors).toEqual([{ row: 'events', message: 'boom' }]);
  });
});
