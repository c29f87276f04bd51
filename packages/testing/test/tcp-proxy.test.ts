import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../src/internal.js';
import { startTcpProxy } from '../src/tcp-proxy.js';
import type { TcpProxy } from '../src/tcp-proxy.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function echoServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // cut() resets connections (RST): the echo side sees ECONNRESET.
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => socket.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy({ targetPort: port });
  cleanup.push(() => proxy.close());
  return proxy;
}

async function client(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  cleanup.push(async () => void socket.destroy());
  return socket;
}

/** Sends `text` and resolves with the echo; `settled` tells whether it came back yet. */
function request(socket: Socket, text: string): { reply: Promise<string>; settled: () => boolean } {
  let got = '';
  let done = false;
  const reply = new Promise<string>((resolve) => {
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length >= text.length) {
        socket.off('data', onData);
        done = true;
        resolve(got);
      }
    };
    socket.on('data', onData);
  });
  socket.write(text);
  return { reply, settled: () => done };
}

describe('startTcpProxy', () => {
  it('forwards both ways', async () => {
    const proxy = await proxyTo(await echoServer());
    const socket = await client(proxy.port);
    expect(await request(socket, 'ping').reply).toBe('ping');
    expect(proxy.connections).toBe(1);
  });

  it('holds a request while paused, keeps the socket open, and delivers it on resume', async () => {
    const proxy = await proxyTo(await echoServer());
    const socket = await client(proxy.port);
    expect(await request(socket, 'warm').reply).toBe('warm');
    proxy.pause();
    const held = request(socket, 'held');
    await sleep(300);
    expect(held.settled()).toBe(false);
    expect(socket.destroyed).toBe(false);
    expect(proxy.connections).toBe(1);
    proxy.resume();
    expect(await held.reply).toBe('held');
  });

  it('holds connections opened while paused too', async () => {
    const proxy = await proxyTo(await echoServer());
    proxy.pause();
    const socket = await client(proxy.port);
    const held = request(socket, 'late');
    await sleep(300);
    expect(held.settled()).toBe(false);
    proxy.resume();
    expect(await held.reply).toBe('late');
  });

  it('cut destroys every connection and keeps accepting new ones', async () => {
    const proxy = await proxyTo(await echoServer());
    const socket = await client(proxy.port);
    expect(await request(socket, 'a').reply).toBe('a');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    proxy.pause();
    proxy.cut();
    proxy.resume();
    await closed;
    const again = await client(proxy.port);
    expect(await request(again, 'b').reply).toBe('b');
  });

  it('down refuses new connections and resets open ones until up', async () => {
    const proxy = await proxyTo(await echoServer());
    const socket = await client(proxy.port);
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await proxy.down();
    await closed;
    const refused = connect({ host: '127.0.0.1', port: proxy.port });
    await expect(new Promise((resolve, reject) => refused.once('connect', resolve).once('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.up();
    const again = await client(proxy.port);
    expect(await request(again, 'back').reply).toBe('back');
  });
});
