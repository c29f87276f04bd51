// Issue 12: connect() to a port where nothing listens reports the driver's reason on the first
// failed attempt (a ConnectionError the worker's start-up retry logs) instead of waiting out the
// whole publish timeout while the connection retries in the background.
import { expect, it } from 'vitest';
import { ConnectionError } from '@celerity/core';
import { freePort } from '@celerity/testing';
import { createAmqpBroker } from '../src/index.js';

it('rejects with the refused connection at once', async () => {
  const port = await freePort();
  const broker = createAmqpBroker({ url: `amqp://guest:guest@127.0.0.1:${port}//`, publishTimeout: 30_000 });
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
