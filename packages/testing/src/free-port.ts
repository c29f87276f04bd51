/**
 * Free TCP ports for servers a test starts itself.
 *
 * Why not always the OS's choice: a test that restarts a server (`redis.restart()`) leaves its port
 * free for a moment, and under Vitest with several files at a time another file's `freePort()` could
 * be handed that very port by the OS (ephemeral ports are reused). Inside a Vitest worker
 * (`VITEST_POOL_ID` set) ports therefore come from a range below Linux's ephemeral range
 * (32768–60999, so the kernel never hands them to anyone else) with a block of its own per worker,
 * taken in turn from a random start and checked by binding. Elsewhere (the bench, the chaos harness)
 * the OS picks.
 */
import { createServer } from 'node:net';

/** First port of worker 1's block; blocks stop below RabbitMQ's 25672 (its default dist port). */
const BLOCK_BASE = 20_000;
const BLOCK_SIZE = 1_000;
const MAX_BLOCKS = 5;

let next: number | undefined;

/** The block of ports for this Vitest worker, or undefined outside Vitest. */
function workerBlock(env: NodeJS.ProcessEnv = process.env): { start: number; size: number } | undefined {
  const id = Number(env['VITEST_POOL_ID']);
  if (!Number.isInteger(id) || id < 1) return undefined;
  return { start: BLOCK_BASE + ((id - 1) % MAX_BLOCKS) * BLOCK_SIZE, size: BLOCK_SIZE };
}

/** Binds `port` (0: any) on `host` and gives back the port it got, or undefined if taken. */
function tryBind(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error)));
    server.listen(port, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('Could not read the port the OS assigned'));
        return;
      }
      server.close((error) => (error ? reject(error) : resolve(address.port)));
    });
  });
}

/**
 * A TCP port that was free a moment ago on `host`. Another process may still take it before you
 * bind, so prefer binding retries where it matters. Inside Vitest, ports come from the worker's own
 * block (see the file header), so one file's restarted server keeps its port.
 * @example
 * const port = await freePort();
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const block = workerBlock();
  if (block !== undefined) {
    next ??= Math.floor(Math.random() * block.size);
    for (let tried = 0; tried < block.size; tried++) {
      const port = block.start + (next++ % block.size);
      const bound = await tryBind(host, port);
      if (bound !== undefined) return bound;
    }
  }
  const bound = await tryBind(host, 0);
  if (bound === undefined) throw new Error('The OS had no free port');
  return bound;
}
