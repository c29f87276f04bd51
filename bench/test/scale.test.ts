import { describe, expect, it } from 'vitest';
import { FULL, QUICK } from '../src/config.js';
import { ceilings, keyspaceExpires, scaleSizes } from '../src/scale/measure.js';
import { renderScale, scalingFactor } from '../src/scale/report.js';
import type { ScaleResults } from '../src/scale/results.js';
import { summarize } from '../src/stats.js';

describe('keyspaceExpires', () => {
  it("reads the count of keys with an expiry of one db from INFO keyspace, 0 when the db is empty", () => {
    const info = '# Keyspace\r\ndb0:keys=12,expires=10,avg_ttl=86399000\r\ndb1:keys=3,expires=0,avg_ttl=0\r\n';
    expect(keyspaceExpires(info, 0)).toBe(10);
    expect(keyspaceExpires(info, 1)).toBe(0);
    expect(keyspaceExpires(info, 2)).toBe(0);
    expect(keyspaceExpires('# Keyspace\r\ndb10:keys=5,expires=5,avg_ttl=1\r\n', 1)).toBe(0);
  });
});

describe('ceilings', () => {
  it('bounds throughput by one core of Redis, and by every core shared by workers and Redis', () => {
    expect(ceilings({ workerCpuUs: 20, redisCpuUs: 12.5 }, 2)).toEqual({ redis: 80_000, machine: 2e6 / 32.5 });
    expect(ceilings({ workerCpuUs: 0, redisCpuUs: 0 }, 2).redis).toBeNaN();
  });
});

describe('scaleSizes', () => {
  it('runs 100 slots per process in both modes', () => {
    expect(scaleSizes(QUICK)).toEqual({ reps: 3, jobs: 20_000, concurrency: 100 });
    expect(scaleSizes(FULL)).toEqual({ reps: 5, jobs: 50_000, concurrency: 100 });
  });
});

describe('renderScale', () => {
  const results: ScaleResults = {
    sizes: { reps: 3, jobs: 10_000, concurrency: 100 },
    cores: 2,
    rows: [
      { processes: 1, rate: summarize([30_000, 28_000, 32_000]), workerCpuUs: summarize([20]), redisCpuUs: summarize([12.5]), redisCoreShare: summarize([0.375]) },
      { processes: 2, rate: summarize([36_000]), workerCpuUs: summarize([27.5]), redisCpuUs: summarize([12.5]), redisCoreShare: summarize([0.45]) },
    ],
    errors: [{ row: '2 process(es)', message: 'late\nstack' }],
  };
  it('gives the scaling factor and the ceilings of each row from its medians', () => {
    expect(scalingFactor(results)).toBeCloseTo(1.2);
    const md = renderScale(results);
    expect(md).toContain('| 1 | 30,000 (28,000–32,000) | 1.00× | 20 | 12.5 | 0.375 | 80,000 | 61,538 |');
    expect(md).toContain('| 2 | 36,000 | 1.20× | 27.5 | 12.5 | 0.45 | 80,000 | 50,000 |');
    expect(md).toContain('- 2 process(es): late');
    expect(md).not.toContain('stack');
  });
  it('has no scaling factor when a setup failed', () => {
    expect(scalingFactor({ ...results, rows: results.rows.slice(0, 1) })).toBeNull();
  });
});
