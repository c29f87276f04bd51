import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ReplicaWaitError } from '../src/index.js';
import { waitForReplicas } from '../src/internal.js';

/** Just what waitForReplicas reads of an ioredis client: status, stream and wait(). */
function fakeClient(reply: number, options: { status?: string; reconnectDuringWait?: boolean } = {}): Redis {
  const client = {
    status: options.status ?? 'ready',
    stream: { id: 'first socket' } as object,
    async wait(): Promise<number> {
      // ioredis resent the WAIT on a new socket after a reconnect.
      if (options.reconnectDuringWait) client.stream = { id: 'second socket' };
      return reply;
    },
  };
  return client as unknown as Redis;
}

describe('waitForReplicas', () => {
  it('resolves when enough replicas acknowledged, and rejects with the count otherwise', async () => {
    await expect(waitForReplicas(fakeClient(2), { replicas: 2, timeout: 10 }, 'x')).resolves.toBeUndefined();
    const error = await waitForReplicas(fakeClient(1), { replicas: 2, timeout: 10 }, 'Redis broker: publish').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicaWaitError);
    expect(error).toMatchObject({ code: 'REPLICA_WAIT', required: 2, acknowledged: 1, retryable: false });
    expect((error as Error).message).toMatch(/^Redis broker: publish: 1 of 2/);
  });

  it('counts an answer that came back on another socket, or a WAIT sent while not ready, as none', async () => {
    await expect(waitForReplicas(fakeClient(2, { reconnectDuringWait: true }), { replicas: 2, timeout: 10 }, 'x')).rejects.toMatchObject({ acknowledged: 0 });
    await expect(waitForReplicas(fakeClient(2, { status: 'reconnecting' }), { replicas: 1, timeout: 10 }, 'x')).rejects.toBeInstanceOf(ReplicaWaitError);
  });
});
