/**
 * A TCP proxy in front of a shared server, for fault tests that must not touch the server itself:
 * `cut()` resets every connection through it (what a network blip or `close_connection` does),
 * `down()` also stops listening so new connections are refused until `up()` (an outage).
 */
import { Socket, createServer, type Server } from 'node:net';
import { freePort } from '@celerity/testing';

/** See the module comment. */
export interface TcpProxy {
  readonly port: number;
  /** Connections currently open through the proxy. */
  readonly open: number;
  cut(): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * @example
 * const proxy = await startTcpProxy(5672);
 * const broker = createAmqpBroker({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}/` });
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  let server: Server | undefined;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = new Socket();
        track(client);
        track(upstream);
        upstream.connect(targetPort, targetHost);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
      server = s;
    });
  const cut = (): void => {
    // resetAndDestroy sends RST, like a dropped connection, rather than a polite FIN.
    for (const socket of sockets) socket.resetAndDestroy();
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    cut();
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    port,
    get open() {
      return sockets.size;
    },
    cut,
    down: stop,
    up: listen,
    close: stop,
  };
}
