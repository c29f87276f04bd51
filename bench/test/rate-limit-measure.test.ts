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
