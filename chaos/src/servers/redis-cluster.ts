/**
 * The broker of the Redis Cluster scenario: a private cluster of three masters and three replicas
 * (via `@celerity/testing`) reached through a `rediscluster://` URL. Its "restart" is a failover: the
 * master serving a queue's slot is SIGKILLed and its replica promoted. No AOF, as in the Sentinel
 * scenario: what a failover loses is what asynchronous replication had not yet copied.
 */
import { Redis } from 'ioredis';
import { brokerAdapter as redisAdapter } from '@celerity/broker-redis';
import { createBrokerFromUrl } from '@celerity/core';
import { startRedisCluster } from '@celerity/testing';
import type { RedisCluster } from '@celerity/testing';
import type { BrokerEnv, LeftInBroker, RedisQueueKeys } from '../brokers.js';
import { drainRedisKeys } from '../brokers.js';

/** A scenario's cluster. */
export interface RedisClusterEnv extends BrokerEnv {
  readonly cluster: RedisCluster;
  /** The port of the live master serving `queue`'s slot. */
  masterOf(queue: string): Promise<number>;
  /** SIGKILLs the master of `queue`'s slot and waits until its replica serves the slot; returns both ports. */
  killMasterOf(queue: string): Promise<{ killed: number; promoted: number }>;
}

/**
 * The broker's cluster layout puts every key of a queue under the hash tag `{<queue>}` (no key
 * prefix here): `{q}` and its priority lists, `{q}unacked`, `{q}unacked_mutex`, `{q}_celerity.dead`
 * — see broker-redis' README, "Redis Cluster". Wire format of our own, not an API.
 */
function clusterKeys(queue: string): RedisQueueKeys {
  const tag = `{${queue}}`;
  return {
    lists: [tag, ...[3, 6, 9].map((step) => `${tag}\x06\x16${step}`)],
    unacked: `${tag}unacked`,
    mutex: `${tag}unacked_mutex`,
    dead: `${tag}_celerity.dead`,
  };
}

/**
 * Starts the cluster (3 masters, 1 replica each).
 * @example
 * const env = await startRedisClusterEnv();
 * const { killed, promoted } = await env.killMasterOf('celery');
 */
export async function startRedisClusterEnv(): Promise<RedisClusterEnv> {
  const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeout: 2000, startTimeout: 60_000 });
  const slotOf = async (queue: string): Promise<number> => {
    const live = (await cluster.nodes())[0];
    if (live === undefined) throw new Error('no live node in the cluster');
    const node = new Redis({ host: '127.0.0.1', port: live.port, lazyConnect: true });
    try {
      await node.connect();
      return Number(await node.call('CLUSTER', 'KEYSLOT', `{${queue}}`));
    } finally {
      node.disconnect();
    }
  };
  const masterOf = async (queue: string): Promise<number> => {
    const slot = await slotOf(queue);
    const master = (await cluster.nodes()).find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (master === undefined) throw new Error(`no live master serves slot ${slot}`);
    return master.port;
  };
  const first = cluster.startupNodes[0]?.port ?? 0;
  return {
    kind: 'redis',
    cluster,
    masterOf,
    async killMasterOf(queue) {
      const killed = await masterOf(queue);
      await cluster.servers.get(killed)?.kill();
      // The replica needs cluster-node-timeout (2 s) to call the master failed, then an election.
      await cluster.waitHealthy(3);
      return { killed, promoted: await masterOf(queue) };
    },
    port: first,
    url: cluster.url,
    urlVia: () => {
      throw new Error('a Redis Cluster has no single port to proxy');
    },
    async restart() {
      throw new Error('the cluster scenario kills a master through killMasterOf(queue)');
    },
    openBroker: () => createBrokerFromUrl(cluster.url, { adapters: [redisAdapter] }),
    drain: async (queue): Promise<LeftInBroker> => drainRedisKeys(`redis://127.0.0.1:${await masterOf(queue)}`, clusterKeys(queue)),
    close: () => cluster.stop(),
  };
}
