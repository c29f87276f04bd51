/**
 * A TCP proxy for fault tests that must not touch the server behind it: `pause()` stops forwarding
 * in both directions but keeps every socket open (kernel buffers fill, then TCP flow control holds
 * the peers: a stalled, not closed, connection), `resume()` forwards again, `cut()` resets every
 * connection (RST, as a network blip or `rabbitmqctl close_connection` does), `down()` also stops
 * listening so new connections are refused until `up()` (an outage). Connections made while paused
 * are accepted and held the same way.
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { freePort } from './redis.js';

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  targetPort: number;
  /** @default '127.0.0.1' */
  targetHost?: string;
  /** Port to listen on (127.0.0.1). @default a free port */
  listenPort?: number;
}

/** A running proxy (see the module comment). */
export interface TcpProxy extends AsyncDisposable {
  readonly port: number;
  readonly paused: boolean;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  pause(): void;
  resume(): void;
  /** Resets every open connection; the proxy keeps listening. */
  cut(): void;
  /** Resets every connection and stops listening: connections are refused until {@link TcpProxy.up}. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
}

/**
 * @example
 * await using proxy = await startTcpProxy({ targetPort: 6379 });
 * proxy.pause(); await sleep(5000); proxy.resume();
 */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const host = options.targetHost ?? '127.0.0.1';
  const port = options.listenPort ?? (await freePort());
  const pairs = new Set<Pair>();
  let paused = false;
  let server: Server | undefined;

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

  const accept = (client: Socket): void => {
    const upstream = connect({ host, port: options.targetPort });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', drop);
      socket.on('close', drop);
      if (paused) socket.pause();
    }
    forward(client, upstream);
    forward(upstream, client);
  };

  const up = async (): Promise<void> => {
    if (server !== undefined) return;
    const listening = createServer(accept);
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
    server = listening;
  };

  const cut = (): void => {
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
  };

  const down = async (): Promise<void> => {
    const listening = server;
    server = undefined;
    cut();
    if (listening !== undefined) await new Promise<void>((resolve) => listening.close(() => resolve()));
  };

  const setPaused = (value: boolean): void => {
    paused = value;
    for (const { client, upstream } of pairs) {
      for (const socket of [client, upstream]) {
        if (value) socket.pause();
        else socket.resume();
      }
    }
  };

  await up();
  return {
    port,
    get paused() {
      return paused;
    },
    get connections() {
      return pairs.size;
    },
    pause: () => setPaused(true),
    resume: () => setPaused(false),
    cut,
    down,
    up,
    close: down,
    [Symbol.asyncDispose]: down,
  };
}
