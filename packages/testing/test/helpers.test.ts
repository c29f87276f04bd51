import { createServer } from 'node:net';
import { TimeoutError } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { freePort, randomSuffix, waitFor } from '../src/index.js';

describe('randomSuffix', () => {
  it('returns distinct hex strings of the requested size', () => {
    const values = new Set(Array.from({ length: 100 }, () => randomSuffix()));
    expect(values.size).toBe(100);
    for (const value of values) expect(value).toMatch(/^[0-9a-f]{12}$/);
    expect(randomSuffix(2)).toMatch(/^[0-9a-f]{4}$/);
  });
});

describe('waitFor', () => {
  it('resolves with the first truthy value, sync or async', async () => {
    let calls = 0;
    expect(await waitFor(() => (++calls >= 3 ? `after ${calls}` : false), { interval: 1 })).toBe('after 3');
    expect(await waitFor(async () => 7)).toBe(7);
  });

  it('rejects with a TimeoutError naming what it waited for, keeping the last error as cause', async () => {
    const failing = waitFor(
      () => {
        throw new Error('not yet');
      },
      { timeout: 30, interval: 5, message: 'the thing' },
    );
    await expect(failing).rejects.toBeInstanceOf(TimeoutError);
    await expect(failing).rejects.toThrow(/the thing/);
    await expect(failing).rejects.toMatchObject({ cause: new Error('not yet') });
  });
});

describe('freePort', () => {
  it('returns a port that can be bound right away', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('inside Vitest, takes ports in turn from the worker\'s block below the ephemeral range, skipping taken ones', async () => {
    const id = Number(process.env['VITEST_POOL_ID']);
    expect(id).toBeGreaterThanOrEqual(1);
    const start = 20_000 + ((id - 1) % 5) * 1_000;
    const first = await freePort();
    expect(first).toBeGreaterThanOrEqual(start);
    expect(first).toBeLessThan(start + 1_000);
    // Hold the next port of the block: freePort must pass over it.
    const held = first + 1 < start + 1_000 ? first + 1 : start;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(held, '127.0.0.1', resolve);
    });
    try {
      const second = await freePort();
      expect(second).not.toBe(held);
      expect(second).not.toBe(first);
      expect(second).toBeGreaterThanOrEqual(start);
      expect(second).toBeLessThan(start + 1_000);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
