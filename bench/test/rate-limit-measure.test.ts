import { describe, expect, it } from 'vitest';
import { observedRate, worstWindow } from '../src/rate-limit/measure.js';

describe('rate-limit measures', () => {
  const even = Array.from({ length: 301 }, (_, i) => 1000 + i * 10); // 100/s for 3 s

  it('observed rate counts intervals, not completions', () => {
    expect(observedRate(even)).toBeCloseTo(100, 9);
    expect(observedRate([5])).toBeNaN();
  });

  it('worst window is 0 for exact spacing and sees a burst', () => {
    expect(worstWindow(even, 100)).toBe(0);
    // 20 extra completions inside one second after the first: that window holds 120.
    const burst = [...even, ...Array.from({ length: 20 }, (_, i) => 2500 + i)];
    expect(worstWindow(burst, 100)).toBeCloseTo(0.2, 9);
    expect(worstWindow([1, 2], 100)).toBeNaN();
  });
});

describe('rate-limit report', () => {
  it('marks a row met within 10% of the expected rate and missed beyond', async () => {
    const { renderRateLimit } = await import('../src/rate-limit/report.js');
    const { summarize } = await import('../src/stats.js');
    const row = (observed: number) => ({ scope: 'cluster' as const, workers: 4, limit: 100, expected: 100, tasks: 801, observed: summarize([observed]), worstWindow: summarize([0.01]) });
    const markdown = renderRateLimit({ rows: [row(95), row(85)], reps: 1, errors: [] });
    const lines = markdown.split('\n').filter((l) => l.startsWith('| cluster'));
    expect(lines[0]).toMatch(/-5\.0% \| 1\.0% \| met \|$/);
    expect(lines[1]).toMatch(/\*\*missed\*\* \|$/);
  });
});
