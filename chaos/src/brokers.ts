/**
 * The broker under test in a scenario, behind one shape for Redis and RabbitMQ: its URL (direct, or
 * through a proxy port), a crash-restart, a client to publish with, and raw access for garbage.
 */
import type { Client } from '@celerity/client';
import { createClient } from '@celerity/client';
import { brokerAdapter as amqpAdapter } from '@celerity/broker-amqp';
import { brokerAdapter as redisAdapter } from '@celerity/broker-redis';
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
  /** Kills the server (SIGKILL) and starts it again on the same port and data. */
  crashRestart(): Promise<void>;
  /** A client that publishes to this broker (no result backend: the ledger is the truth). */
  createClient(): Client;
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
    crashRestart: () => redis.crashRestart(),
    createClient: () => createClient({ broker: redis.url, adapters: [redisAdapter] }),
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
    crashRestart: () => node.crashRestart(),
    createClient: () => createClient({ broker: node.url, adapters: [amqpAdapter] }),
    close: async () => {},
  };
}

function withQuery(url: string, query: Record<string, string> | undefined): string {
  const entries = Object.entries(query ?? {});
  return entries.length === 0 ? url : `${url}?${new URLSearchParams(entries).toString()}`;
}
