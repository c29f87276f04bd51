/**
 * Task events published from the events thread: a Redis broker opened from its URL has a recipe,
 * the dispatcher hands the records to a thread that opens its own broker, and a monitor on another
 * connection hears every event, in order, while the worker's own broker publishes none of the
 * lists. A thread that cannot open its broker is reported once and the events go out from the
 * main thread after it; `thread: false` never starts one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { BroadcastMessage, Broker, Logger } from '@celerity/core';
import { silentLogger, systemClock } from '@celerity/core';
import { EVENT_EXCHANGE, decodeEvents, type CeleryEvent } from '@celerity/core/internal';
import { createRedisBroker } from '@celerity/broker-redis';
import { deleteKeys, randomSuffix, waitFor } from '@celerity/testing';
import { createEventDispatcher } from '../src/events/event-dispatcher.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `celerity-test-${randomSuffix()}:`;
const opened: Broker[] = [];
afterAll(async () => {
  for (const broker of opened) await broker.close().catch(() => {});
  const raw = new Redis(REDIS_URL);
  await deleteKeys(raw, `${prefix}*`);
  raw.disconnect();
});

const open = (): Broker => {
  const broker = createRedisBroker({ url: REDIS_URL, keyPrefix: prefix });
  opened.push(broker);
  return broker;
};

/** A monitor on its own connection, and the routing keys the worker's broker itself broadcast with. */
async function setup(broker: Broker): Promise<{ events: () => CeleryEvent[]; ownLists: string[] }> {
  const heard: BroadcastMessage[] = [];
  await open().subscribe(EVENT_EXCHANGE, '#', (message) => heard.push(message));
  const ownLists: string[] = [];
  const broadcast = broker.broadcast.bind(broker);
  broker.broadcast = (exchange, routingKey, envelope) => {
    ownLists.push(routingKey);
    return broadcast(exchange, routingKey, envelope);
  };
  return { events: () => heard.flatMap((m) => decodeEvents(m.envelope)), ownLists };
}

const warnings = (): { logger: Logger; messages: string[] } => {
  const messages: string[] = [];
  return { logger: { ...silentLogger, warn: (message: string) => void messages.push(message) }, messages };
};

describe('the events thread', () => {
  it('publishes the task events of a broker opened from its URL, in order, with their clocks', { timeout: 30_000 }, async () => {
    const broker = open();
    expect(broker.recipe).toMatchObject({ factory: 'createRedisBroker', options: { url: REDIS_URL, keyPrefix: prefix } });
    const { events, ownLists } = await setup(broker);
    const { logger, messages } = warnings();
    const dispatcher = createEventDispatcher({ broker, hostname: 'thread@test', clock: systemClock, logger, bufferLimit: 10 });
    for (let i = 0; i < 25; i++) dispatcher.sendBuffered('task-started', { uuid: `t${i}` });
    await dispatcher.flush();
    await waitFor(() => events().length === 25);
    const heard = events();
    expect(heard.map((e) => e['uuid'])).toEqual(Array.from({ length: 25 }, (_, i) => `t${i}`));
    expect(heard.map((e) => e.clock)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(heard[0]).toMatchObject({ hostname: 'thread@test', pid: process.pid, type: 'task-started' });
    // The lists went out on the thread's own connection.
    expect(ownLists).toEqual([]);
    // Worker events are still sent one by one from here.
    await dispatcher.send('worker-online', { freq: 2 });
    expect(ownLists).toEqual(['worker.online']);
    await dispatcher.close();
    expect(messages).toEqual([]);
  });

  it('a thread that cannot open its broker is reported once, and later events go out from the main thread', { timeout: 30_000 }, async () => {
    const broker = open();
    const { events, ownLists } = await setup(broker);
    Object.defineProperty(broker, 'recipe', { value: { module: 'file:///nonexistent/broker.js', factory: 'createBroker', options: {} } });
    const { logger, messages } = warnings();
    const dispatcher = createEventDispatcher({ broker, hostname: 'fallback@test', clock: systemClock, logger });
    dispatcher.sendBuffered('task-started', { uuid: 'lost-with-the-thread' });
    await waitFor(() => messages.length > 0);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/could not open the broker.*sent from the main thread/);
    dispatcher.sendBuffered('task-started', { uuid: 'after' });
    await dispatcher.flush();
    await waitFor(() => events().some((e) => e['uuid'] === 'after'));
    expect(ownLists).toEqual(['task.multi']);
    await dispatcher.close();
  });

  it('thread: false publishes the lists from the main thread', { timeout: 30_000 }, async () => {
    const broker = open();
    const { events, ownLists } = await setup(broker);
    const dispatcher = createEventDispatcher({ broker, hostname: 'main@test', clock: systemClock, logger: silentLogger, thread: false });
    dispatcher.sendBuffered('task-started', { uuid: 'a' });
    await dispatcher.flush();
    await waitFor(() => events().length === 1);
    expect(ownLists).toEqual(['task.multi']);
    await dispatcher.close();
  });
});
