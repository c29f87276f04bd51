/** The Redis Cluster part of `results/latest.json`: broker throughput on a cluster vs one server. */

/** One row: messages moved through the broker over `queues` queues on one kind of Redis. */
export interface ClusterRow {
  redis: 'single' | 'cluster';
  queues: number;
  messages: number;
  /** Masters holding the rows' queues (1 on a single server). */
  masters: number;
  /** Publish (publishMany) throughput, messages per second. */
  publishPerS: number;
  /** Consume + ack throughput, messages per second, from the first consume to the last ack. */
  consumePerS: number;
}

export interface ClusterResults {
  /** Nodes of the private cluster: masters × (1 + replicas). */
  masters: number;
  replicas: number;
  rows: ClusterRow[];
  errors: Array<{ what: string; message: string }>;
}

export interface WithCluster {
  cluster?: ClusterResults;
}
