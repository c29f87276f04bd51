/**
 * The broker of the cluster scenarios: a private three-node RabbitMQ cluster (via
 * `@celerity/testing`) with a vhost whose default queue type is quorum, so the task queue that the
 * `celerity worker` processes and the producer declare (durable, no `x-queue-type`) becomes a
 * quorum queue replicated on every node without a flag of their own. Everyone connects with a
 * failover list of the three nodes, each starting at a different node.
 */
import { brokerAdapter as amqpAdapter } from '@celerity/broker-amqp';
import { createBrokerFromUrl } from '@celerity/core';
import { startRabbitCluster } from '@celerity/testing';
import type { RabbitCluster, RabbitServer } from '@celerity/testing';
import type { BrokerEnv } from '../brokers.js';
import { drainAmqpQueue } from '../brokers.js';

const VHOST = 'chaos-quorum';

/** A scenario's cluster. */
export interface ClusterEnv extends BrokerEnv {
  readonly cluster: RabbitCluster;
  /** The failover list of every node, starting at node `first`. */
  listFrom(first: number): string;
  /** The queue's type as `rabbitmqctl list_queues` reports it (`quorum`, `classic`), or `missing`. */
  queueType(queue: string): Promise<string>;
}

/**
 * Starts the cluster (a few minutes on a busy machine) and makes the vhost.
 * @example
 * const env = await startClusterEnv();
 * await env.cluster.nodes[0].stop();
 */
export async function startClusterEnv(): Promise<ClusterEnv> {
  const cluster = await startRabbitCluster({ size: 3 });
  try {
    const [first] = cluster.nodes as [RabbitServer];
    await first.ctl(['add_vhost', VHOST, '--default-queue-type', 'quorum']);
    await first.ctl(['set_permissions', '-p', VHOST, 'guest', '.*', '.*', '.*']);
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  const urlOf = (node: RabbitServer, query = ''): string => `amqp://guest:guest@127.0.0.1:${node.port}/${VHOST}${query}`;
  const listFrom = (first: number, query = ''): string =>
    cluster.nodes.map((_, i) => urlOf(cluster.nodes[(first + i) % cluster.nodes.length] as RabbitServer, query)).join(';');
  const url = listFrom(0);
  return {
    kind: 'amqp',
    cluster,
    listFrom: (first) => listFrom(first),
    async queueType(queue) {
      const live = cluster.nodes.find((node) => node.running) as RabbitServer;
      const rows = JSON.parse(await live.ctl(['list_queues', '-p', VHOST, 'name', 'type', '--formatter', 'json'])) as Array<{ name: string; type: string }>;
      return rows.find((row) => row.name === queue)?.type ?? 'missing';
    },
    port: (cluster.nodes[0] as RabbitServer).port,
    url,
    urlVia: (port, query) => {
      const q = query === undefined || Object.keys(query).length === 0 ? '' : `?${new URLSearchParams(query).toString()}`;
      return `amqp://guest:guest@127.0.0.1:${port}/${VHOST}${q}`;
    },
    restart: (mode) => (cluster.nodes[0] as RabbitServer).restart(mode),
    openBroker: () => createBrokerFromUrl(url, { adapters: [amqpAdapter] }),
    drain: (queue) => drainAmqpQueue(url, queue),
    close: () => cluster.dispose(),
  };
}
