/**
 * The broker Redis of a scenario: a private `redis-server` on a free port (via `@celerity/testing`)
 * with an append-only file, so that a restart loses nothing on the server's side and whatever goes
 * missing is the client's doing. `fsync: 'always'` keeps every acknowledged write across a crash
 * (SIGKILL) too, at the price of an fsync per event-loop turn (a few hundred tasks a second on a
 * slow disk); `everysec` is enough when the server is only ever stopped in order (SIGTERM writes the
 * file out before exiting).
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

/** Options of {@link startDurableRedis}. */
export interface DurableRedisOptions {
  /** Redis' `appendfsync`. @default 'everysec' */
  fsync?: 'always' | 'everysec';
}

/**
 * @example
 * await using redis = await startDurableRedis({ fsync: 'always' });
 * await redis.restart('crash');
 */
export async function startDurableRedis(options: DurableRedisOptions = {}): Promise<DurableRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'celerity-chaos-redis-'));
  const fsync = options.fsync ?? 'everysec';
  const server: RedisServer = await startRedisServer({ args: ['--dir', dir, '--appendonly', 'yes', '--appendfsync', fsync] });
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
      if (mode === 'crash' && fsync !== 'always') throw new Error("crashing Redis loses writes unless it was started with fsync: 'always'");
      if (mode === 'crash') await server.kill();
      await server.restart();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
