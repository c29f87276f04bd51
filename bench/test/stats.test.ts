import { describe, expect, it } from 'vitest';
import { median, perSecond, percentile, ratio, summarize } from '../src/stats.js';

describe('percentile', () => {
  it('uses nearest rank on unsorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile(samples, 0)).toBe(1);
  });
  it('is NaN without samples and rejects an out-of-range p', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
  it('does not reorder its input', () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('median and summarize', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
  it('keeps the range and every repetition in run order', () => {
    expect(summarize([10, 30, 20])).toEqual({ median: 20, min: 10, max: 30, reps: [10, 30, 20] });
    expect(summarize([]).median).toBeNaN();
  });
});

describe('ratio and perSecond', () => {
  it('divides, or gives null without a usable base', () => {
    expect(ratio(50, 25)).toBe(2);
    expect(ratio(50, undefined)).toBeNull();
    expect(ratio(undefined, 25)).toBeNull();
    expect(ratio(50, 0)).toBeNull();
    expect(ratio(Number.NaN, 1)).toBeNull();
  });
  it('converts a count over milliseconds to a rate', () => {
    expect(perSecond(500, 250)).toBe(2000);
    expect(perSecond(1, 0)).toBeNaN();
  });
});
