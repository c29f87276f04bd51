/** The Redis Cluster table of `latest.md`: each row against the single-server row with as many queues. */
import type { ClusterResults } from './results.js';

export function renderCluster(results: ClusterResults): string {
  const intro =
    `Celerity's Redis broker alone (no worker, no result backend), in the bench process: ${results.rows[0]?.messages ?? 0} messages spread evenly over 1, 2 and 4 queues ` +
    `are published with \`publishMany\`, then one consumer per queue (prefetch 100) takes and acks them all. Single server: the bench's Redis; cluster: a private ` +
    `${results.masters} masters + ${results.masters * results.replicas} replicas cluster on the same machine (\`rediscluster://\`). The ratio compares with the single-server row with as many queues.`;
  const single = new Map(results.rows.filter((r) => r.redis === 'single').map((r) => [r.queues, r]));
  const lines = results.rows.map((r) => {
    const base = single.get(r.queues);
    const ratio = r.redis === 'single' || base === undefined ? '1.00×' : `${(r.consumePerS / base.consumePerS).toFixed(2)}×`;
    return `| ${r.redis} | ${r.queues} | ${r.masters} | ${Math.round(r.publishPerS)} | ${Math.round(r.consumePerS)} | ${ratio} |`;
  });
  const table = `| Redis | queues | masters used | publish msg/s | consume + ack msg/s | vs single |\n|---|---:|---:|---:|---:|---:|\n${lines.join('\n')}`;
  const errors = results.errors.length === 0 ? '' : `\n\nFailed: ${results.errors.map((e) => `${e.what}: ${e.message.split('\n')[0]}`).join('; ')}`;
  return `### Redis Cluster — broker throughput\n\n${intro}\n\n${table}${errors}`;
}
