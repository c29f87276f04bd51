/**
 * The broker under test in a scenario, behind one shape for Redis and RabbitMQ: its URL (direct, or
 * through a proxy port), a crash-restart, a client to publish with, and raw access for garbage.
 */
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { brokerAdapter as amqpAdapter } from '@celerity/broker-amqp';
import { brokerAdapter as redisAdapter } from '@celerity/broker-redis';
import type { Broker } from '@celerity/core';
import { createBrokerFromUrl } from '@celerity/core';
import type { RabbitServer } from '@celerity/testing';
import type { DurableRedis } from './servers/redis.js';

import { startDurableRedis } from './servers/redis.js';

/** kombu's lists of one queue, one per priority step (0 is the queue's own name): wire format, not an API. */
function kombuLists(queue: string): string[] {
  return [queue, ...[3, 6, 9].map((step) => `${queue}\x06\x16${step}`)];
}

/** Which broker a scenario runs against. */
export type BrokerKind = 'redis' | 'amqp';

/** The broker of one scenario. */
export interface BrokerEnv {
  readonly kind: BrokerKind;
  /** Host port of the server (a proxy forwards here). */
  readonly port: number;
  /** URL of the server itself. */
  readonly url: string;
  /**
   * A Redis result backend for the workers, on a server of its own that no fault touches (set by
   * `brokerFor`): with it, a redelivered acks-late task that already succeeded is skipped.
   */
  resultsUrl?: string;
  /** The URL with another port (a proxy's) and optional query parameters. */
  urlVia(port: number, query?: Record<string, string>): string;
  /** Stops the server (`crash`: SIGKILL, `graceful`: SIGTERM) and starts it again on the same port and data. */
  restart(mode: 'crash' | 'graceful'): Promise<void>;
  /** A Celerity broker on this server, for the harness' own publishes (garbage). */
  openBroker(): Broker;
  /**
   * Takes every message of the queue still in the server — ready, or held unacked — and returns
   * their task ids (read with the driver, not Celerity; call it once the workers have stopped, it
   * empties the queue). Redis: the queue's lists plus kombu's `unacked` hash (one server per
   * scenario); RabbitMQ: what `basic.get` returns.
   */
  drain(queue: string): Promise<LeftInBroker>;
  /** Stops what this scenario started (a shared RabbitMQ node stays up). */
  close: () => Promise<void>;
  /** Adapter options for the producer's client (e.g. `master_name` for a `sentinel://` URL). */
  brokerOptions?: Record<string, unknown>;
  /** Extra environment of the worker processes (e.g. `CELERITY_BROKER_TRANSPORT_OPTIONS`). */
  workerEnv?: Record<string, string>;
}

/** What was left in the broker at the end of a run. */
export interface LeftInBroker {
  /** Messages, task or not. */
  messages: number;
  /** Of those, messages held unacked (Redis' `unacked` hash; RabbitMQ: 0, it requeues them). */
  unacked: number;
  /** Task ids of those that carry one. */
  ids: string[];
  /** Task ids in the queue's dead-letter queue (`_celerity.dead.<queue>` / `celerity.dead.<queue>`). */
  deadLettered: string[];
  /**
   * Redis: milliseconds left on kombu's `unacked_mutex` (the restore pass' lock), or null when
   * nobody holds it. A lock left by a killed worker stops every restore pass until it expires.
   */
  restoreLockTtlMs?: number | null;
}

/** The task id of a kombu envelope (`headers.id`), if the text is one. */
function kombuTaskId(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    // unacked entries are [envelope, exchange, routing key]; list items are the envelope itself.
    const envelope = Array.isArray(parsed) ? parsed[0] : parsed;
    const id = (envelope as { headers?: { id?: unknown } } | null)?.headers?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Where one queue's messages live in a Redis: its priority lists, unacked hash, restore lock, dead-letter list. */
export interface RedisQueueKeys {
  lists: string[];
  unacked: string;
  mutex: string;
  dead: string;
}

/** What is left of `queue` in the Redis at `url` (see {@link BrokerEnv.drain}), in kombu's single-server layout. */
export async function drainRedis(url: string, queue: string): Promise<LeftInBroker> {
  return drainRedisKeys(url, { lists: kombuLists(queue), unacked: 'unacked', mutex: 'unacked_mutex', dead: `_celerity.dead.${queue}` });
}

/** What is left in the given keys of the Redis at `url` (one server: a cluster's caller picks the node serving them). */
export async function drainRedisKeys(url: string, keys: RedisQueueKeys): Promise<LeftInBroker> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const lists = await Promise.all(keys.lists.map((key) => client.lrange(key, 0, -1)));
    const unacked = await client.hvals(keys.unacked);
    const items = [...lists.flat(), ...unacked];
    const ttl = await client.pttl(keys.mutex);
    const dead = await client.lrange(keys.dead, 0, -1);
    return {
      messages: items.length,
      unacked: unacked.length,
      ids: items.map(kombuTaskId).filter((id): id is string => id !== undefined),
      deadLettered: dead.map(kombuTaskId).filter((id): id is string => id !== undefined),
      restoreLockTtlMs: ttl >= 0 ? ttl : null,
    };
  } finally {
    client.disconnect();
  }
}

/** A fresh durable Redis for one scenario; `crashable` makes it fsync every write so a SIGKILL loses none. */
export async function redisEnv(options: { crashable?: boolean } = {}): Promise<BrokerEnv> {
  const redis: DurableRedis = await startDurableRedis({ fsync: options.crashable === true ? 'always' : 'everysec' });
  return {
    kind: 'redis',
    port: redis.port,
    url: redis.url,
    urlVia: (port, query) => withQuery(`redis://127.0.0.1:${port}`, query),
    restart: (mode) => redis.restart(mode),
    openBroker: () => createBrokerFromUrl(redis.url, { adapters: [redisAdapter] }),
    drain: (queue) => drainRedis(redis.url, queue),
    close: () => redis.close(),
  };
}

/** A scenario on the run's private RabbitMQ node (each scenario uses its own queue). */
export function amqpEnv(node: RabbitServer): BrokerEnv {
  return {
    kind: 'amqp',
    port: node.port,
    url: node.url,
    urlVia: (port, query) => withQuery(`amqp://guest:guest@127.0.0.1:${port}//`, query),
    restart: (mode) => node.restart(mode),
    openBroker: () => createBrokerFromUrl(node.url, { adapters: [amqpAdapter] }),
    drain: (queue) => drainAmqpQueue(node.url, queue),
    close: async () => {},
  };
}

function withQuery(url: string, query: Record<string, string> | undefined): string {
  const entries = Object.entries(query ?? {});
  return entries.length === 0 ? url : `${url}?${new URLSearchParams(entries).toString()}`;
}

/**
 * Takes every message left in `queue` (and its dead-letter queue) with the plain driver; `url` may
 * be a failover list, whose first node that answers is used.
 */
export async function drainAmqpQueue(url: string, queue: string): Promise<LeftInBroker> {
  let connection: Awaited<ReturnType<typeof connect>> | undefined;
  let lastError: unknown;
  for (const one of url.split(/;(?=amqps?:\/\/)/)) {
    try {
      connection = await connect(one);
      break;
    } catch (error) {
      lastError = error;
    }
  }
  if (connection === undefined) throw lastError;
  try {
    const channel = await connection.createChannel();
    const left: LeftInBroker = { messages: 0, unacked: 0, ids: [], deadLettered: [] };
    const idOf = (message: { properties: { headers?: Record<string, unknown> | undefined } }): string | undefined => {
      const id: unknown = message.properties.headers?.['id'];
      return typeof id === 'string' ? id : undefined;
    };
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) break;
      left.messages++;
      const id = idOf(message);
      if (id !== undefined) left.ids.push(id);
    }
    // The dead-letter queue exists once something was set aside; checking a missing one closes the channel.
    const deadChannel = await connection.createChannel();
    deadChannel.on('error', () => undefined);
    try {
      await deadChannel.checkQueue(`celerity.dead.${queue}`);
      for (;;) {
        const message = await deadChannel.get(`celerity.dead.${queue}`, { noAck: true });
        if (message === false) break;
        const id = idOf(message);
        if (id !== undefined) left.deadLettered.push(id);
      }
    } catch {
      // No dead-letter queue: nothing was dead-lettered.
    }
    return left;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
