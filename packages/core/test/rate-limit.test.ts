import { describe, expect, it } from 'vitest';
import { ConfigurationError, createMemoryRateLimiter, defineTask, parseRateLimit } from '@celerity/core';
import type { Clock } from '@celerity/core';

describe('parseRateLimit (Celery syntax)', () => {
  it.each([
    ['10/s', 10],
    ['10', 10],
    ['10/', 10],
    ['120/m', 2],
    ['3600/h', 1],
    ['0.5/s', 0.5],
    ['.5', 0.5],
    ['1e2/m', 100 / 60],
    [' 5 /s', 5],
    [7, 7],
    [0, 0],
    ['0/m', 0],
    ['', 0],
    [null, 0],
    [undefined, 0],
  ] as const)('%j → %d per second', (input, expected) => {
    expect(parseRateLimit(input)).toBeCloseTo(expected, 12);
  });

  it.each(['10/d', '10/sec', 'ten', '/s', '-1/s', '1/S', '10/s/m', 'NaN', 'Infinity', '5 / s', '5/s '])('%j is a ConfigurationError', (input) => {
    expect(() => parseRateLimit(input)).toThrow(ConfigurationError);
  });

  it.each([-1, Infinity, Number.NaN])('%d is a ConfigurationError', (input) => {
    expect(() => parseRateLimit(input)).toThrow(ConfigurationError);
  });

  it('is checked when a task is defined, with the scope and the retry options', () => {
    expect(() => defineTask({ name: 'bad.rate', rateLimit: '5/d' }, () => 1)).toThrow(/Invalid rate limit "5\/d"/);
    expect(() => defineTask({ name: 'bad.scope', rateLimit: '5/s', rateLimitScope: 'global' as never }, () => 1)).toThrow(ConfigurationError);
    expect(() => defineTask({ name: 'bad.max', retryBackoffMax: -1 }, () => 1)).toThrow(ConfigurationError);
    expect(() => defineTask({ name: 'bad.backoff', retryBackoff: -2 }, () => 1)).toThrow(ConfigurationError);
    expect(defineTask({ name: 'ok', rateLimit: '5/m', rateLimitScope: 'cluster' }, () => 1).options.rateLimit).toBe('5/m');
  });
});

function manualClock(): Clock & { set(ms: number): void } {
  let now = 1_000_000;
  return { now: () => now, setTimeout: () => 0, clearTimeout: () => {}, set: (ms) => void (now = ms) };
}

describe('createMemoryRateLimiter', () => {
  it('holds one token, refills at the rate, and lends ahead only within the horizon', async () => {
    const clock = manualClock();
    const limiter = createMemoryRateLimiter({ clock });
    const first = await limiter.acquire('k', { rate: 10, burst: 1, wanted: 5 });
    expect(first).toEqual({ granted: 1, waitMs: [0], retryAfterMs: 100 });
    clock.set(1_000_050);
    const early = await limiter.acquire('k', { rate: 10, burst: 1, wanted: 5 });
    expect(early.granted).toBe(0);
    expect(early.retryAfterMs).toBeCloseTo(50, 6);
    // With a 300 ms horizon: the half token now plus 3 lent ahead.
    const ahead = await limiter.acquire('k', { rate: 10, burst: 1, wanted: 5, horizonMs: 300 });
    expect(ahead.granted).toBe(3);
    expect(ahead.waitMs.map((w) => Math.round(w))).toEqual([50, 150, 250]);
    // After a long quiet spell the bucket holds one token, not more.
    clock.set(2_000_000);
    expect((await limiter.acquire('k', { rate: 10, burst: 1, wanted: 5 })).granted).toBe(1);
    // Given back, tokens come back up to the burst.
    await limiter.release('k', 3, { rate: 10, burst: 1 });
    expect((await limiter.acquire('k', { rate: 10, burst: 1, wanted: 5 })).granted).toBe(1);
  });
});
