import { describe, expect, it } from 'vitest';
import { latencyPercentiles, levelFigures } from '../src/latency/measure.js';
import type { TaskStamps } from '../src/latency/measure.js';
import { renderLatency } from '../src/latency/report.js';
import { loopMaxRate } from '../src/latency/scenario.js';

describe('latency figures', () => {
  it('takes p50 / p99 / p99.9 by nearest rank', () => {
    const samples = Array.from({ length: 2000 }, (_, i) => i + 1); // 1…2000
    expect(latencyPercentiles(samples)).toEqual({ p50: 1000, p99: 1980, p999: 1998 });
    expect(latencyPercentiles([3]).p999).toBe(3);
    expect(latencyPercentiles([]).p50).toBeNaN();
  });

  it('reads offered and achieved rates and both latencies from the stamps', () => {
    // 100 sends 10 ms apart; each starts 2 ms and ends 5 ms after its send.
    const stamps: TaskStamps[] = Array.from({ length: 100 }, (_, i) => ({ sentAt: i * 10, startedAt: i * 10 + 2, resultAt: i * 10 + 5 }));
    const figures = levelFigures({ firstAt: 0, lastAt: 990, sent: 100 }, stamps);
    expect(figures.offeredRate).toBeCloseTo(100, 9);
    expect(figures.achievedRate).toBeCloseTo(100_000 / 995, 9);
    expect(figures.toStart).toEqual({ p50: 2, p99: 2, p999: 2 });
    expect(figures.toResult.p50).toBe(5);
  });

  it('shows a backlog: results that come long after the last send lower the achieved rate', () => {
    // Sent at 100/s for 1 s, but done at 50/s: the last result comes 2 s after the first send.
    const stamps: TaskStamps[] = Array.from({ length: 100 }, (_, i) => ({ sentAt: i * 10, startedAt: i * 20, resultAt: i * 20 + 20 }));
    const figures = levelFigures({ firstAt: 0, lastAt: 990, sent: 100 }, stamps);
    expect(figures.achievedRate).toBeCloseTo(50, 9);
    expect(figures.toStart.p99).toBeCloseTo(980, 9);
  });

  it('measures the loop maximum with at most `window` sends in flight', async () => {
    let now = 0;
    let inFlight = 0;
    let most = 0;
    // each send takes 10 ms of the fake clock; 4 lanes over 40 sends → 10 rounds → 100 ms → 400/s
    const send = async (): Promise<void> => {
      most = Math.max(most, ++inFlight);
      await Promise.resolve();
      now += 10 / 4;
      inFlight--;
    };
    expect(await loopMaxRate(send, 40, 4, () => now)).toBeCloseTo(400, 6);
    expect(most).toBe(4);
    await expect(loopMaxRate(() => Promise.reject(new Error('down')), 3, 2, () => now)).rejects.toThrow('every one of 3 sends failed');
  });

  it('renders a row per level and counts missing results', () => {
    const level = { share: 0.5, targetRate: 1000, offeredRate: 998, achievedRate: 990, sent: 3000, completed: 2990, failed: 4, firstError: 'Redis did not answer publish in time\nat …', toStart: { p50: 0.3, p99: 1.2, p999: 4 }, toResult: { p50: 0.6, p99: 2, p999: 6 }, producerLateP99: 0.9 };
    const markdown = renderLatency({
      sizes: { durationMs: 3000, shares: [0.5], concurrency: 10, maxJobs: 5000, pythonMaxJobs: 1000, loopWindow: 100 },
      rows: [{ system: 'celerity', worker: 'async pool, concurrency 10', maxRate: 2000, workerMaxRate: 9000, levels: [level] }],
      errors: [{ row: 'bullmq', message: 'boom\nstack' }],
    });
    expect(markdown).toContain('| celerity | async pool, concurrency 10 | 9,000 | 2,000 | 50% | 1,000 | 998 | 990 | 0.30 | 1.20 | 4.00 | 0.60 | 2.00 | 6.00 | 0.90 | 2,990 of 3,000 |');
    expect(markdown).toContain('- celerity at 50%: 10 of 3,000 without a result; 4 failed (first: Redis did not answer publish in time); 6 still waiting when the run timed out. Its percentiles cover the tasks whose result came.');
    expect(markdown).toContain('- bullmq: boom');
    expect(markdown).not.toContain('stack');
  });
});
