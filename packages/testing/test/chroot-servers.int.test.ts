/**
 * The matrix's Redis 8.0 and Valkey 8.1, started from the trixie chroot: each answers on its own
 * port and reports its own product and version (Valkey's, not the 7.2.4 it gives as redis_version).
 * RabbitMQ 4.0 from the chroot is packages/worker/test/rabbitmq4.int.test.ts's. Outside CI the file
 * is skipped when the chroot's servers cannot run here (no root, no chroot); in CI that fails.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { chrootServersUnavailable, startChrootRedis } from '../src/internal.js';

const unavailable = chrootServersUnavailable(['redis', 'valkey']);
const skip = unavailable !== undefined && !process.env['CI'];

/** Sends one inline command and returns the first line of the reply. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.trimEnd());
      }
    });
    socket.write(`${line}\r\n`);
  });
}

describe.skipIf(skip)('chroot servers' + (skip ? ` (skipped: ${unavailable})` : ''), () => {
  it.each([
    ['redis', 'redis', /^8\.0\./],
    ['valkey', 'valkey', /^8\.1\./],
  ] as const)('%s: answers on a free port with its product and version; stop ends it', async (server, product, version) => {
    if (unavailable !== undefined) throw new Error(`CI needs the chroot's servers: ${unavailable}`);
    const redis = await startChrootRedis(server);
    try {
      expect(redis.product).toBe(product);
      expect(redis.version).toMatch(version);
      expect(redis.port).not.toBe(6379);
      expect(await command(redis.port, 'SET k v')).toBe('+OK');
      expect(await command(redis.port, 'GET k')).toBe('$1\r\nv');
    } finally {
      await redis.stop();
    }
    expect(redis.running).toBe(false);
    await expect(command(redis.port, 'PING')).rejects.toThrow();
  });
});
