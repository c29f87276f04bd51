/**
 * kombu's failover lists (`amqp://h1;amqp://h2`): the connection starts at the first URL, moves to
 * the next at once when an attempt fails or the connection is lost, and `connect()` fails only when
 * every URL has. Two TCP proxies in front of the shared server stand in for two cluster nodes (the
 * real cluster is in cluster.int.test.ts).
 */
import { ConnectionError } from '@celerity/core';
import type { Delivery } from '@celerity/core';
import { createCapturingLogger, freePort, startTcpProxy, waitFor } from '@celerity/testing';
import type { TcpProxy } from '@celerity/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAmqpBroker } from '../src/index.js';
import { splitAmqpUrls } from '../src/url.js';
import { createTestVhost, type TestVhost } from './vhost.js';

let vhost: TestVhost;
let proxies: TcpProxy[] = [];

beforeAll(async () => {
  vhost = await createTestVhost();
  proxies = [await startTcpProxy({ targetPort: 5672 }), await startTcpProxy({ targetPort: 5672 })];
});
afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await vhost?.dispose();
});

const via = (port: number): string => `amqp://guest:guest@127.0.0.1:${port}/${encodeURIComponent(vhost.name)}`;
const envelope = (text: string) => ({ body: Buffer.from(text), contentType: 'text/plain', contentEncoding: 'utf-8', headers: {}, properties: {} });

it('splits a failover list on the `;` that starts the next URL only', () => {
  expect(splitAmqpUrls('amqp://a:p;w@h1//;pyamqp://h2:5673/v')).toEqual(['amqp://a:p;w@h1//', 'pyamqp://h2:5673/v']);
  expect(splitAmqpUrls('amqp://h1//')).toEqual(['amqp://h1//']);
  expect(() => splitAmqpUrls(';amqp://h1//')).toThrow(/Empty URL/);
});

it('skips a URL where nothing listens and connects to the next one', async () => {
  const dead = await freePort();
  const logger = createCapturingLogger();
  const broker = createAmqpBroker({ url: `${via(dead)};${via(proxies[0]!.port)}`, logger });
  try {
    await broker.connect();
    expect(broker.connectedTo).toBe(`amqp://guest:**@127.0.0.1:${proxies[0]!.port}/${encodeURIComponent(vhost.name)}`);
    expect(logger.lines.some((line) => line.message.includes(`127.0.0.1:${dead}`) && line.message.includes(`trying amqp://guest:**@127.0.0.1:${proxies[0]!.port}`))).toBe(true);
  } finally {
    await broker.close();
  }
});

it('fails connect() only once every URL has refused', async () => {
  const [a, b] = [await freePort(), await freePort()];
  const logger = createCapturingLogger();
  const broker = createAmqpBroker({ url: `${via(a)};${via(b)}`, logger, publishTimeout: 60_000 });
  try {
    const error = await broker.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    // Both were tried before the rejection: the first one's failure named the second as next.
    expect(logger.lines.some((line) => line.message.includes(`127.0.0.1:${a}`) && line.message.includes(`trying amqp://guest:**@127.0.0.1:${b}`))).toBe(true);
  } finally {
    await broker.close();
  }
});

it('moves a consumer to the next URL when its connection is lost, and keeps consuming there', { timeout: 60_000 }, async () => {
  const [first, second] = proxies as [TcpProxy, TcpProxy];
  const broker = createAmqpBroker({ url: `${via(first.port)};${via(second.port)}` });
  try {
    await broker.declareQueue('failover');
    const got: Delivery[] = [];
    const acks: Array<Promise<void>> = [];
    await broker.consume(['failover'], (d) => {
      got.push(d);
      acks.push(d.ack());
    });
    await broker.publish({ queue: 'failover' }, envelope('before'));
    await waitFor(() => got.length === 1, { message: 'the message sent before the cut' });
    // Acked before the cut, or RabbitMQ would rightly deliver it again after the move.
    await Promise.all(acks);
    expect(broker.connectedTo).toContain(`:${first.port}/`);
    // The first "node" goes away for good: connections are reset and refused from now on.
    await first.down();
    await waitFor(() => broker.connectedTo?.includes(`:${second.port}/`) === true, { message: 'a connection through the second URL', timeout: 30_000 });
    await broker.publish({ queue: 'failover' }, envelope('after'));
    const bodies = (): string[] => got.map((d) => Buffer.from(d.envelope.body).toString());
    await waitFor(() => bodies().includes('after'), { message: 'the message sent after the move', timeout: 30_000 });
    // An ack still in the proxy when it reset the connection is lost with it: then 'before' comes
    // again (at-least-once), which is not what this test is about.
    expect(bodies()[0]).toBe('before');
    expect(bodies().filter((body) => body !== 'before')).toEqual(['after']);
    expect(first.connections).toBe(0);
    expect(second.connections).toBeGreaterThan(0);
  } finally {
    await broker.close();
    await first.up();
  }
});
