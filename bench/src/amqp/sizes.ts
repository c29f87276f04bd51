/** Sizes of the RabbitMQ rows for `--quick` and the full run. */
import type { BenchConfig } from '../config.js';
import type { AmqpSizes } from './results.js';

/**
 * RabbitMQ sizes for a run of the given mode (bulk batches as the Redis rows use).
 * @example
 * amqpSizes(QUICK).processJobs; // 10_000
 */
export function amqpSizes(config: BenchConfig): AmqpSizes {
  return config.mode === 'quick'
    ? { reps: config.reps, publishOne: 1000, publishBulk: 10_000, bulkBatch: config.bulkBatch, celeryNodePublish: 100, processJobs: 10_000 }
    : { reps: config.reps, publishOne: 2000, publishBulk: 50_000, bulkBatch: config.bulkBatch, celeryNodePublish: 200, processJobs: 50_000 };
}
