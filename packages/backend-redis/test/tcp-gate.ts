/**
 * A TCP proxy the test can shut: while shut it drops every connection, so a client cannot reconnect
 * until the test has set the scene on the server behind it (no race with the client's retry timer).
 */
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';

export interface TcpGate extends AsyncDisposable {
  readonly port: number;
  /** Drops current connections and refuses new ones. */
  shut(): void;
  /** Lets connections through again. */
  open(): void;
  close(): Promise<void>;
}

export async function startTcpGate(target: { host: string; port: number }): Promise<TcpGate> {
  let isOpen = true;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (!isOpen) {
      client.destroy();
      return;
    }
    const upstream = connect(target);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port: address.port,
    shut() {
      isOpen = false;
      for (const socket of sockets) socket.destroy();
    },
    open() {
      isOpen = true;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
