import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../src/index.js';

/** Sends one inline command and returns the reply (its first chunk: enough for these small replies). */
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

describe('startRedisServer', () => {
  it('starts a private server without persistence; stop, kill and restart work', async () => {
    const redis = await startRedisServer();
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(redis.running).toBe(true);
      expect(await command(redis.port, 'SET k v')).toBe('+OK');
      expect(await command(redis.port, 'CONFIG GET save')).toBe('*2\r\n$4\r\nsave\r\n$0');
      expect(await command(redis.port, 'CONFIG GET appendonly')).toBe('*2\r\n$10\r\nappendonly\r\n$2\r\nno');
      const pid = redis.pid;
      await redis.kill();
      expect(redis.running).toBe(false);
      expect(redis.pid).toBeUndefined();
      await expect(command(redis.port, 'PING')).rejects.toThrow();
      await redis.restart();
      expect(redis.pid).not.toBe(pid);
      // No persistence: the key did not survive the crash.
      expect(await command(redis.port, 'EXISTS k')).toBe(':0');
      await redis.restart();
      expect(await command(redis.port, 'PING')).toBe('+PONG');
    } finally {
      await redis.stop();
    }
    expect(redis.running).toBe(false);
  });

  it('reports its version and, with a password, requires it (the readiness check authenticates)', async () => {
    await using redis = await startRedisServer({ password: 's3cret' });
    expect(redis.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(redis.product).toBe('redis');
    expect(await command(redis.port, 'GET k')).toMatch(/^-NOAUTH/);
    expect(await command(redis.port, 'AUTH s3cret')).toBe('+OK');
  });

  it('fails clearly when the port is taken', async () => {
    const first = await startRedisServer();
    try {
      await expect(startRedisServer({ port: first.port, startTimeout: 3000 })).rejects.toThrow(/exited|PING/);
    } finally {
      await first[Symbol.asyncDispose]();
    }
  });
});
