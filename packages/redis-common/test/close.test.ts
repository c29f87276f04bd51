import { describe, expect, it } from 'vitest';
import { closeConnection } from '../src/internal.js';

function fake(status: string, quit: () => Promise<unknown>) {
  const calls: string[] = [];
  return {
    calls,
    connection: {
      status,
      quit: () => (calls.push('quit'), quit()),
      disconnect: () => void calls.push('disconnect'),
    },
  };
}

describe('closeConnection', () => {
  it('says QUIT to a ready connection, then disconnects (closing what QUIT leaves, a Sentinel failover detector), disconnects any other, and never rejects', async () => {
    const ready = fake('ready', async () => 'OK');
    await closeConnection(ready.connection);
    expect(ready.calls).toEqual(['quit', 'disconnect']);
    const failing = fake('ready', () => Promise.reject(new Error('Connection is closed.')));
    await closeConnection(failing.connection);
    expect(failing.calls).toEqual(['quit', 'disconnect']);
    const reconnecting = fake('reconnecting', async () => 'OK');
    await closeConnection(reconnecting.connection);
    expect(reconnecting.calls).toEqual(['disconnect']);
  });
});
