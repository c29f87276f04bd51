import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '@celerity/core';
import type { Redis } from 'ioredis';
import { createSubscriberHub, prefixPattern } from '../src/subscriber.js';
import type { ChannelListener } from '../src/subscriber.js';

/** Records SUBSCRIBE / UNSUBSCRIBE calls; acknowledges subscribes when told to. */
class FakeConnection extends EventEmitter {
  status = 'ready';
  calls: [string, string[]][] = [];
  private acks: (() => void)[] = [];
  subscribe(...channels: string[]): Promise<number> {
    this.calls.push(['subscribe', channels]);
    return new Promise((resolve) => this.acks.push(() => resolve(channels.length)));
  }
  psubscribe(...patterns: string[]): Promise<number> {
    this.calls.push(['psubscribe', patterns]);
    return new Promise((resolve) => this.acks.push(() => resolve(patterns.length)));
  }
  unsubscribe(...channels: string[]): Promise<number> {
    this.calls.push(['unsubscribe', channels]);
    return Promise.resolve(0);
  }
  ackAll(): void {
    for (const ack of this.acks.splice(0)) ack();
  }
  quit(): Promise<string> {
    this.status = 'end';
    return Promise.resolve('OK');
  }
  disconnect(): void {
    this.status = 'end';
  }
  publish(channel: string, payload: string): void {
    this.emit('messageBuffer', Buffer.from(channel), Buffer.from(payload));
  }
  ppublish(pattern: string, channel: string, payload: string): void {
    this.emit('pmessageBuffer', Buffer.from(pattern), Buffer.from(channel), Buffer.from(payload));
  }
}

// Long enough for the hub's deferred UNSUBSCRIBE (unsubscribeDelay 0 = the next timer turn).
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

function setup(coverPrefix?: string) {
  const conn = new FakeConnection();
  const connect = vi.fn(() => conn as unknown as Redis);
  const hub = createSubscriberHub({ connect, logger: silentLogger, unsubscribeDelay: 0, ...(coverPrefix === undefined ? {} : { coverPrefix }) });
  const listener = (): ChannelListener & { got: string[]; resyncs: number } => {
    const l = {
      got: [] as string[],
      resyncs: 0,
      message(payload: Buffer) {
        l.got.push(payload.toString());
      },
      resync() {
        l.resyncs++;
      },
    };
    return l;
  };
  return { conn, connect, hub, listener };
}

describe('subscriber hub', () => {
  it('batches subscribes of one tick into one command and refcounts channels', async () => {
    const { conn, connect, hub, listener } = setup();
    const a1 = hub.listen('a', listener());
    const a2 = hub.listen('a', listener());
    const b = hub.listen('b', listener());
    await tick();
    expect(connect).toHaveBeenCalledTimes(1);
    expect(conn.calls).toEqual([['subscribe', ['a', 'b']]]);
    let ready = false;
    void a1.ready.then(() => (ready = true));
    await tick();
    expect(ready).toBe(false);
    conn.ackAll();
    await a2.ready;
    expect(ready).toBe(true);

    a1.release();
    await tick();
    expect(conn.calls).toHaveLength(1); // 'a' still has a listener
    a2.release();
    a2.release(); // idempotent
    b.release();
    await tick();
    expect(conn.calls[1]).toEqual(['unsubscribe', ['a', 'b']]);
    expect(hub.channelCount).toBe(0);
  });

  it('never sends a subscribe for a channel released in the same tick', async () => {
    const { conn, hub, listener } = setup();
    hub.listen('gone', listener()).release();
    hub.listen('kept', listener());
    await tick();
    expect(conn.calls).toEqual([['subscribe', ['kept']]]);
  });

  it('delivers messages to every listener of the channel only', async () => {
    const { conn, hub, listener } = setup();
    const x1 = listener();
    const x2 = listener();
    const y = listener();
    hub.listen('x', x1);
    hub.listen('x', x2);
    hub.listen('y', y);
    await tick();
    conn.publish('x', 'hello');
    expect(x1.got).toEqual(['hello']);
    expect(x2.got).toEqual(['hello']);
    expect(y.got).toEqual([]);
  });

  it('re-subscribes held channels after a reconnect, then asks listeners to resync', async () => {
    const { conn, hub, listener } = setup();
    const l = listener();
    hub.listen('c', l);
    await tick();
    conn.ackAll();
    conn.emit('ready'); // first connect: nothing to do
    await tick();
    expect(conn.calls).toHaveLength(1);
    conn.emit('ready'); // a reconnect
    await tick();
    expect(conn.calls[1]).toEqual(['subscribe', ['c']]);
    expect(l.resyncs).toBe(0); // not before the server confirmed
    conn.ackAll();
    await tick();
    expect(l.resyncs).toBe(1);
  });

  it('chunks huge subscription sets and closes the connection', async () => {
    const { conn, hub, listener } = setup();
    for (let i = 0; i < 2500; i++) hub.listen(`ch-${i}`, listener());
    await tick();
    expect(conn.calls.map(([, channels]) => channels.length)).toEqual([1000, 1000, 500]);
    await hub.close();
    expect(conn.status).toBe('end');
    expect(hub.channelCount).toBe(0);
  });

  it('covers channels under coverPrefix with one PSUBSCRIBE: no SUBSCRIBE or UNSUBSCRIBE, messages delivered', async () => {
    const { conn, hub, listener } = setup('meta-ab12cd34-');
    const a = listener();
    const b = listener();
    const subA = hub.listen('meta-ab12cd34-1', a);
    hub.listen('meta-ab12cd34-2', b);
    const plain = hub.listen('meta-other', listener());
    await tick();
    expect(conn.calls).toEqual([
      ['psubscribe', ['meta-ab12cd34-*']],
      ['subscribe', ['meta-other']],
    ]);
    expect(hub.epochFor('meta-ab12cd34-1')).toBe(0);
    let ready = false;
    void subA.ready.then(() => (ready = true));
    conn.ackAll();
    await tick();
    expect(ready).toBe(true);
    const epoch = hub.epochFor('meta-ab12cd34-1');
    expect(epoch).toBeGreaterThan(0);
    expect(hub.epochFor('meta-other')).toBe(0);
    conn.ppublish('meta-ab12cd34-*', 'meta-ab12cd34-1', 'one');
    expect(a.got).toEqual(['one']);
    expect(b.got).toEqual([]);
    subA.release();
    plain.release();
    hub.listen('meta-ab12cd34-3', listener());
    await tick();
    expect(conn.calls.slice(2)).toEqual([['unsubscribe', ['meta-other']]]);
    expect(hub.channelCount).toBe(2);
  });

  it('forgets a covered channel as soon as its last listener goes (nothing to unsubscribe), and a subscribed one after its UNSUBSCRIBE', async () => {
    const { conn, hub, listener } = setup('meta-ab12cd34-');
    const covered = hub.listen('meta-ab12cd34-1', listener());
    const plain = hub.listen('meta-other', listener());
    await tick();
    expect(hub.channelCount).toBe(2);
    covered.release();
    plain.release();
    expect(hub.channelCount).toBe(1);
    await tick();
    expect(hub.channelCount).toBe(0);
    expect(conn.calls.at(-1)).toEqual(['unsubscribe', ['meta-other']]);
  });

  it('a dropped connection zeroes the epoch; the reconnect re-sends the pattern, moves the epoch on and resyncs', async () => {
    const { conn, hub, listener } = setup('p-');
    const l = listener();
    hub.listen('p-1', l);
    await tick();
    conn.ackAll();
    await tick();
    conn.emit('ready'); // the first connect
    const before = hub.epochFor('p-1');
    conn.emit('close');
    expect(hub.epochFor('p-1')).toBe(0);
    conn.emit('ready'); // reconnected
    await tick();
    expect(conn.calls.at(-1)).toEqual(['psubscribe', ['p-*']]);
    expect(l.resyncs).toBe(0);
    conn.ackAll();
    await tick();
    expect(l.resyncs).toBe(1);
    expect(hub.epochFor('p-1')).toBeGreaterThan(before);
  });

  it('escapes glob characters in the covered prefix', () => {
    expect(prefixPattern('app:*[x]?\\celery-task-meta-ab-')).toBe('app:\\*\\[x\\]\\?\\\\celery-task-meta-ab-*');
  });
});
