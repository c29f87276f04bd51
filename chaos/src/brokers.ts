/**
 * The broker under test in a scenario, behind one shape for Redis and RabbitMQ: its URL (direct, or
 * through a proxy port), a crash-restart, a client to publish with, and raw access for garbage.
 */
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { brokerAdapter as amqpAdapter } from '@celerity/broker-amqp';
import { PRIORITY_STEPS, brokerAdapter as redisAdapter, priorityQueueKey } from '@celerity/broker-redis';
import type { Broker } from '@celerity/core';
import { createBrokerFromUrl } from '@celerity/core';
import type { RabbitNode } from './servers/rabbitmq.js';
import type { DurableRedis } from './servers/redis.js';
import { startDurableRedis } from './servers/redis.js';

/** Which broker a scenario runs against. */
export type BrokerKind = 'redis' | 'amqp';

/** The broker of one scenario. */
export interface BrokerEnv {
  readonly kind: BrokerKind;
  /** Host port of the server (a proxy forwards here). */
  readonly port: number;
  /** URL of the server itself. */
  readonly url: string;
  /** The URL with another port (a proxy's) and optional query parameters. */
  urlVia(port: number, query?: Record<string, string>): string;
  /** Stops the server (`crash`: SIGKILL, `graceful`: SIGTERM) and starts it again on the same port and data. */
  restart(mode: 'crash' | 'graceful'): Promise<void>;
  /** A Celerity broker on this server, for the harness' own publishes (garbage). */
  openBroker(): Broker;
  /**
   * Messages of the queue still in the server, ready or held unacked (read with the driver, not
   * Celerity). Redis: the queue's lists plus kombu's `unacked` hash (one server per scenario);
   * RabbitMQ: ready messages (call it once no consumer holds any).
   */
  leftInBroker(queue: string): Promise<number>;
  /** Stops what this scenario started (a shared RabbitMQ node stays up). */
  close(): Promise<void>;
}

/** A fresh durable Redis for one scenario. */
export async function redisEnv(): Promise<BrokerEnv> {
  const redis: DurableRedis = await startDurableRedis();
  return {
    kind: 'redis',
    port: redis.port,
    url: redis.url,
    urlVia: (port, query) => withQuery(`redis://127.0.0.1:${port}`, query),
    restart: (mode) => redis.restart(mode),
    openBroker: () => createBrokerFromUrl(redis.url, { adapters: [redisAdapter] }),
    async leftInBroker(queue) {
      const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const lengths = await Promise.all(PRIORITY_STEPS.map((step) => client.llen(priorityQueueKey(queue, step))));
        return lengths.reduce((a, b) => a + b, 0) + (await client.hlen('unacked'));
      } finally {
        client.disconnect();
      }
    },
    close: () => redis.close(),
  };
}

/** A scenario on the run's private RabbitMQ node (each scenario uses its own queue). */
export function amqpEnv(node: RabbitNode): BrokerEnv {
  return {
    kind: 'amqp',
    port: node.port,
    url: node.url,
    urlVia: (port, query) => withQuery(`amqp://guest:guest@127.0.0.1:${port}//`, query),
    restart: (mode) => node.restart(mode),
    openBroker: () => createBrokerFromUrl(node.url, { adapters: [amqpAdapter] }),
    async leftInBroker(queue) {
      const connection = await connect(node.url);
      try {
        const channel = await connection.createChannel();
        return (await channel.checkQueue(queue)).messageCount;
      } finally {
        await connection.close().catch(() => undefined);
      }
    },
    close: async () => {},
  };
}

function withQuery(url: string, query: Record<string, string> | undefined): string {
  const entries = Object.entries(query ?? {});
  return entries.length === 0 ? url : `${url}?${new URLSearchParams(entries).toString()}`;
}
