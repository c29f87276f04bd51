/**
 * A TCP proxy for stalling connections: `pause()` stops forwarding in both directions but keeps
 * every socket open (the kernel buffers fill, then TCP flow control holds the peers), `resume()`
 * forwards again, `cut()` destroys every connection as a dying NAT or half-open peer would.
 * New connections made while paused are accepted and held the same way.
 */
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** Where to forward. */
  targetHost?: string;
  targetPort: number;
  /** Port to listen on. @default a free port the OS picks */
  listenPort?: number;
}

/** A running proxy. */
export interface TcpProxy extends AsyncDisposable {
  readonly port: number;
  readonly paused: boolean;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  pause(): void;
  resume(): void;
  /** Destroys every open connection (clients see a reset); the proxy keeps listening. */
  cut(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
}

/**
 * @example
 * await using proxy = await startProxy({ targetPort: redis.port });
 * proxy.pause(); await sleep(5000); proxy.resume();
 */
export async function startProxy(options: ProxyOptions): Promise<TcpProxy> {
  const host = options.targetHost ?? '127.0.0.1';
  const pairs = new Set<Pair>();
  let paused = false;

  // Forward by hand rather than with pipe(): pipe() resumes a source on its own when the destination
  // drains, which would let data through while paused.
  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!paused) from.resume();
    });
    from.on('end', () => to.end());
  };

  const server: Server = createServer((client) => {
    const upstream = connect({ host, port: options.targetPort });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    if (paused) {
      client.pause();
      upstream.pause();
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no port');

  const close = async (): Promise<void> => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    port: address.port,
    get paused() {
      return paused;
    },
    get connections() {
      return pairs.size;
    },
    pause() {
      paused = true;
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    resume() {
      paused = false;
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    cut() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
