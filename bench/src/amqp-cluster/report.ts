/** The RabbitMQ cluster table: each row with its ratio to the same measure on a classic queue on one node. */
import { formatRatio, formatSummary } from '../format.js';
import { ratio } from '../stats.js';
import type { AmqpClusterResults, AmqpClusterRow } from './results.js';

const MEASURES: Record<AmqpClusterRow['measure'], string> = {
  'publish-one': 'publish, each awaited',
  'publish-bulk': 'publish, pipelined',
  process: 'process',
};

const TARGETS: Record<AmqpClusterRow['target'], string> = {
  'classic-1': 'classic queue, 1 node',
  'quorum-3': 'quorum queue, 3-node cluster',
};

function table(header: string[], rows: string[][], left: number): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i < left ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/**
 * The cluster section of `latest.md`.
 * @example
 * const markdown = renderAmqpCluster(results.amqpCluster);
 */
export function renderAmqpCluster(cluster: AmqpClusterResults): string {
  const s = cluster.sizes;
  const n = (value: number): string => value.toLocaleString('en-US');
  const classic = (row: AmqpClusterRow): number | undefined => cluster.rows.find((r) => r.target === 'classic-1' && r.measure === row.measure)?.rate.median;
  const rows = cluster.rows.map((row) => [TARGETS[row.target], MEASURES[row.measure], row.setting, formatSummary(row.rate), formatRatio(ratio(row.rate.median, classic(row))), formatSummary(row.workerCpuUs)]);
  const intro =
    `RabbitMQ ${cluster.rabbitmq}, private nodes the bench starts on this machine: one node with a classic queue, and a cluster of three nodes (all on this machine, so replication costs CPU here, not network) whose vhost's default queue type is quorum, reached through a failover list. ` +
    `Celerity's client and worker (concurrency 25, prefetch 100, early acks, no results) as in the RabbitMQ rows: ${n(s.publishOne)} sends each awaited, ${n(s.publishBulk)} in batches of ${n(s.bulkBatch)} (publisher confirms), ${n(s.processJobs)} queued tasks processed. ` +
    `Median of ${s.reps} repetitions (min–max); "×" compares with the classic queue on one node.`;
  const errors = cluster.errors.length === 0 ? '' : `\n\nFailed: ${cluster.errors.map((e) => `${e.what}: ${e.message.split('\n')[0]}`).join('; ')}`;
  return `### RabbitMQ cluster — quorum queues on 3 nodes vs a classic queue on 1, messages/s (higher is better)\n\n${intro}\n\n${table(['queue', 'measure', 'setting', 'msgs/s', '× classic, 1 node', 'worker CPU µs/msg'], rows, 3)}${errors}`;
}
