/**
 * A private RabbitMQ cluster for fault tests: `size` nodes from {@link startRabbitServer} (each on
 * free ports of its own, with its own data and logs), sharing one Erlang cookie, the second and
 * later nodes joined to the first with `rabbitmqctl stop_app; join_cluster; start_app`. Every node
 * stays a {@link RabbitServer}: stop, kill or restart one and the others carry on; a restarted
 * node rejoins by itself (its data names the cluster). Node built-ins only (the chaos harness
 * runs it).
 */
import { randomBytes } from 'node:crypto';
import { startRabbitServer, waitForAmqp } from './rabbitmq-server.js';
import type { RabbitServer, RabbitServerOptions } from './rabbitmq-server.js';

/** Options of {@link startRabbitCluster}: those of every node, and how many. */
export interface RabbitClusterOptions extends Omit<RabbitServerOptions, 'cookie'> {
  /** Number of nodes. @default 3 */
  size?: number;
}

/** A running private cluster. */
export interface RabbitCluster extends AsyncDisposable {
  /** The nodes; `nodes[0]` is the one the others joined. */
  readonly nodes: readonly RabbitServer[];
  /** Every node's URL joined with `;`: the failover list kombu (and Celerity) accept. */
  readonly url: string;
  /** The names of the nodes `rabbitmqctl cluster_status` reports running, sorted. */
  runningNodes(): Promise<string[]>;
  /** Stops every node and deletes their directories. */
  dispose(): Promise<void>;
}

/**
 * Starts a cluster (each node 5–20 s, started side by side; joins one after the other).
 * @example
 * await using cluster = await startRabbitCluster({ size: 3 });
 * const broker = createAmqpBroker({ url: cluster.url, queueType: 'quorum' });
 * await cluster.nodes[1].kill();
 */
export async function startRabbitCluster(options: RabbitClusterOptions = {}): Promise<RabbitCluster> {
  const { size = 3, ...nodeOptions } = options;
  if (!Number.isInteger(size) || size < 1) throw new Error(`A cluster needs a whole number of nodes, got ${String(size)}`);
  const cookie = randomBytes(16).toString('hex').toUpperCase();
  const started = await Promise.allSettled(Array.from({ length: size }, () => startRabbitServer({ ...nodeOptions, cookie })));
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const dispose = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.dispose()));
  };
  try {
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const [first, ...rest] = nodes as [RabbitServer, ...RabbitServer[]];
    const timeout = options.startTimeout ?? 90_000;
    // One at a time: concurrent joins race on the cluster's membership table.
    for (const node of rest) {
      await node.ctl(['stop_app']);
      await node.ctl(['join_cluster', first.nodeName]);
      await node.ctl(['start_app'], timeout);
      if (!(await waitForAmqp(node.port, Date.now() + timeout))) throw new Error(`${node.nodeName} did not answer AMQP after joining the cluster`);
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  const runningNodes = async (): Promise<string[]> => {
    const live = nodes.find((node) => node.running);
    if (live === undefined) return [];
    const status = JSON.parse(await live.ctl(['cluster_status', '--formatter', 'json'])) as { running_nodes?: unknown };
    const running = Array.isArray(status.running_nodes) ? status.running_nodes.filter((n): n is string => typeof n === 'string') : [];
    return running.sort();
  };
  return {
    nodes,
    url: nodes.map((node) => node.url).join(';'),
    runningNodes,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
