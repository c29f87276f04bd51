/**
 * The broker Redis of a scenario: a private `redis-server` on a free port (via `@celerity/testing`)
 * that keeps every acknowledged write across a crash (`appendonly yes`, `appendfsync always`), so
 * that a restart loses nothing on the server's side and whatever goes missing is the client's doing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '@celerity/testing';
import type { RedisServer } from '@celerity/testing';

/** A durable private Redis. */
export interface DurableRedis extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Stops the server (`crash`: SIGKILL; `graceful`: SIGTERM) and starts it again on the same port and data; resolves once it answers. */
  restart(mode: 'crash' | 'graceful'): Promise<void>;
  close(): Promise<void>;
}

/**
 * @example
 * await using redis = await startDurableRedis();
 * await redis.restart('crash');
 */
export async function startDurableRedis(): Promise<DurableRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'celerity-chaos-redis-'));
  const server: RedisServer = await startRedisServer({ args: ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'] });
  const close = async (): Promise<void> => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    url: server.url,
    port: server.port,
    get pid() {
      return server.pid;
    },
    async restart(mode) {
      if (mode === 'crash') await server.kill();
      await server.restart();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
