/**
 * The broker of a failover scenario: a Sentinel topology (a primary, two replicas, three sentinels,
 * via `@celerity/testing`) reached through a `sentinel://` URL. Its "restart" is a failover: the
 * current primary is SIGKILLed and a replica promoted. No AOF here: what a failover loses is what
 * asynchronous replication had not yet copied, which is what the scenario measures.
 */
import { brokerAdapter as redisAdapter } from '@celerity/broker-redis';
import { createBrokerFromUrl } from '@celerity/core';
import { startSentinelTopology } from '@celerity/testing';
import type { BrokerEnv } from '../brokers.js';
import { drainRedis } from '../brokers.js';

/** Options of {@link sentinelEnv}. */
export interface SentinelEnvOptions {
  /** The producer's `wait_replicas` (durable publish); 0 = off. @default 0 */
  waitReplicas?: number;
  /** The producer's `wait_replicas_timeout`, ms. @default 1000 */
  waitReplicasTimeout?: number;
}

/**
 * @example
 * const env = await sentinelEnv({ waitReplicas: 1 });
 * await env.restart('crash'); // the primary is killed, a replica takes over
 */
export async function sentinelEnv(options: SentinelEnvOptions = {}): Promise<BrokerEnv> {
  const topology = await startSentinelTopology();
  const transport = { master_name: topology.masterName };
  const durable = (options.waitReplicas ?? 0) > 0 ? { wait_replicas: options.waitReplicas, wait_replicas_timeout: options.waitReplicasTimeout ?? 1000 } : {};
  const primaryUrl = async (): Promise<string> => `redis://127.0.0.1:${await topology.primaryPort()}`;
  return {
    kind: 'redis',
    port: topology.nodes[0]!.port,
    url: topology.url,
    urlVia: () => {
      throw new Error('a Sentinel topology has no single port to proxy');
    },
    async restart() {
      const old = await topology.primaryPort();
      await topology.nodes.find((n) => n.port === old)?.kill();
      await topology.waitForPrimary({ notPort: old, timeout: 60_000 });
    },
    openBroker: () => createBrokerFromUrl(topology.url, { adapters: [redisAdapter], options: transport }),
    drain: async (queue) => drainRedis(await primaryUrl(), queue),
    close: () => topology.stop(),
    brokerOptions: { ...transport, ...durable },
    workerEnv: { CELERITY_BROKER_TRANSPORT_OPTIONS: JSON.stringify(transport) },
  };
}
