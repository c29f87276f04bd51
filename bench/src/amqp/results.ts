/** The RabbitMQ part of `results/latest.json`: rows measured on one fresh vhost in the same run. */
import type { Summary } from '../stats.js';

/** Systems of the RabbitMQ table. */
export const AMQP_SYSTEMS = ['raw-amqplib', 'celery-node', 'celerity'] as const;
/** One of {@link AMQP_SYSTEMS}. */
export type AmqpSystemName = (typeof AMQP_SYSTEMS)[number];

/** What a row measures: sends each awaited, sends in batches, or a worker draining a queue. */
export type AmqpMeasure = 'publish-one' | 'publish-bulk' | 'process';

/** One row of the RabbitMQ table, in messages (tasks) per second. */
export interface AmqpRow {
  system: AmqpSystemName;
  measure: AmqpMeasure;
  /** e.g. `prefetch 100`, `concurrency 25 (prefetch 100)`, `batches of 1,000`. */
  setting: string;
  /** Key of the row the ratio compares with, e.g. `raw-amqplib/process/100`. */
  key: string;
  rate: Summary;
  /** Worker CPU (user + system) per message, µs; process rows only. */
  workerCpuUs?: Summary;
  /** CPU (user + system) per message of the publishing process (the bench itself), µs; publish rows only. */
  clientCpuUs?: Summary;
  /** Worker VmHWM after its repetitions, bytes; process rows only. */
  peakRssBytes?: number;
}

/** Sizes of the RabbitMQ rows. */
export interface AmqpSizes {
  reps: number;
  publishOne: number;
  publishBulk: number;
  bulkBatch: number;
  /** celery-node sends one at a time at a few dozen a second: a bounded count. */
  celeryNodePublish: number;
  processJobs: number;
}

/** Everything the RabbitMQ part measured. */
export interface AmqpResults {
  /** RabbitMQ's version. */
  rabbitmq: string;
  sizes: AmqpSizes;
  rows: AmqpRow[];
  errors: Array<{ system: AmqpSystemName; what: string; message: string }>;
}

/** `BenchResults` with the optional RabbitMQ part (kept apart so the Redis shapes stay as they are). */
export interface WithAmqp {
  amqp?: AmqpResults;
}

/** Key of the informational row: raw amqplib publishing headerless messages in batches. */
export const MINIMAL_KEY = 'raw-amqplib/publish-bulk-minimal';

/** The row a row is compared with: raw amqplib's publish of the same kind, or its prefetch-100 consume. */
export function baselineKey(row: Pick<AmqpRow, 'measure'>): string {
  return row.measure === 'process' ? 'raw-amqplib/process/100' : `raw-amqplib/${row.measure}`;
}
