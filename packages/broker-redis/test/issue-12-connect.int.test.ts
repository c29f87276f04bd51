// Issue 12: connect() to a port where nothing listens reports the driver's reason on the first
// failed attempt (a ConnectionError the worker's start-up retry logs), not "did not become ready
// within 0 ms" after waiting out the whole publish timeout.
import { expect, it } from 'vitest';
import { ConnectionError } from '@celerity/core';
import { freePort } from '@celerity/testing';
import { createRedisBroker } from '../src/index.js';

it('rejects with the refused connection at once', async () => {
  const port = await freePort();
  const broker = createRedisBroker({ url: `redis://127.0.0.1:${port}/0`, publishTimeout: 30_000 });
  try {
    const started = Date.now();
    const error = await broker.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(10_000);
  } finally {
    await broker.close();
  }
});
