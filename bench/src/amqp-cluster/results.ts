/** The RabbitMQ cluster part of `results/latest.json`: Celerity on quorum queues of a 3-node cluster against a classic queue on one node. */
import type { AmqpMeasure } from '../amqp/results.js';
import type { Summary } from '../stats.js';

/** Where a row ran: a classic queue on one private node, or a quorum queue on a private 3-node cluster. */
export type ClusterTarget = 'classic-1' | 'quorum-3';

/** One row, in messages (tasks) per second. */
export interface AmqpClusterRow {
  target: ClusterTarget;
  measure: AmqpMeasure;
  setting: string;
  rate: Summary;
  /** Worker CPU (user + system) per message, µs; process rows only. */
  workerCpuUs?: Summary;
}

/** Sizes of the cluster rows. */
export interface AmqpClusterSizes {
  reps: number;
  publishOne: number;
  publishBulk: number;
  bulkBatch: number;
  processJobs: number;
}

/** Everything the cluster part measured. */
export interface AmqpClusterResults {
  rabbitmq: string;
  sizes: AmqpClusterSizes;
  rows: AmqpClusterRow[];
  errors: Array<{ what: string; message: string }>;
}

/** `BenchResults` with the optional cluster part. */
export interface WithAmqpCluster {
  amqpCluster?: AmqpClusterResults;
}
