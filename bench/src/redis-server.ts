/**
 * Starts the bench's own `redis-server` on a free loopback port, with persistence off, so the
 * numbers never depend on (or disturb) the shared server on 6379.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** The server binary. @default 'redis-server' */
  binary?: string;
  /** Milliseconds to wait for the server to answer PING. @default 10000 */
  startTimeout?: number;
}

/** A private Redis server started by the bench. */
export interface BenchRedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** `redis_version` as the server reports it. */
  readonly version: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  close(): Promise<void>;
}

/** A port the OS says is free right now (bound to 0, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitReady(url: string, child: ChildProcess, timeout: number): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      const info = await probe.info('server');
      const match = /redis_version:([^\r\n]+)/.exec(info);
      return match?.[1] ?? 'unknown';
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${url}: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
}

/**
 * Starts `redis-server --port <free> --save '' --appendonly no` bound to 127.0.0.1.
 * @example
 * await using redis = await startRedisServer();
 * console.log(redis.url, redis.version);
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<BenchRedisServer> {
  const port = await freePort();
  const child = spawn(
    options.binary ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--databases', '16'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  // A crashed bench must not leave a server holding the port.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `redis://127.0.0.1:${port}`;
  let version: string;
  try {
    version = await waitReady(url, child, options.startTimeout ?? 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const close = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.kill('SIGTERM');
    await exited(child);
    clearTimeout(timer);
  };
  return { url, port, pid: child.pid ?? 0, version, close, [Symbol.asyncDispose]: close };
}
