/**
 * The RabbitMQ cluster rows: Celerity publishing and processing on a quorum queue of a private
 * 3-node cluster, against the same on a classic queue of one private node, each repetition going
 * round both so outside load hits them alike. The cluster's vhost has quorum as its default queue
 * type, so the same client and worker code declares a quorum queue there and a classic one on the
 * single node.
 */
import { performance } from 'node:perf_hooks';
import { startRabbitCluster, startRabbitServer } from '@celerity/testing/rabbitmq';
import type { RabbitCluster, RabbitServer } from '@celerity/testing/rabbitmq';
import { openAmqpAdmin } from '../amqp/admin.js';
import type { AmqpAdmin } from '../amqp/admin.js';
import { openCelerityProducer } from '../amqp/producers.js';
import type { AmqpMeasure } from '../amqp/results.js';
import { AMQP_URL_ENV } from '../amqp/workers/env.js';
import type { ScenarioContext } from '../scenarios/context.js';
import { perSecond, summarize } from '../stats.js';
import { startWorkerProcess } from '../worker-process.js';
import type { WorkerProcess } from '../worker-process.js';
import type { AmqpClusterResults, AmqpClusterSizes, ClusterTarget } from './results.js';

const VHOST = 'bench';
const CONCURRENCY = 25;

/** Sizes for `--quick` and the full run (smaller than the single-node rows: quorum queues are slower here). */
export function clusterSizes(ctx: ScenarioContext): AmqpClusterSizes {
  const { config } = ctx;
  return config.mode === 'quick'
    ? { reps: config.reps, publishOne: 500, publishBulk: 5000, bulkBatch: config.bulkBatch, processJobs: 5000 }
    : { reps: config.reps, publishOne: 1000, publishBulk: 20_000, bulkBatch: config.bulkBatch, processJobs: 20_000 };
}

interface Target {
  name: ClusterTarget;
  /** The URL (a failover list for the cluster) the client and worker use. */
  url: string;
  admin: AmqpAdmin;
  worker: WorkerProcess | undefined;
  rates: Record<AmqpMeasure, number[]>;
  cpu: number[];
  failed: boolean;
}

async function addVhost(node: RabbitServer, quorum: boolean): Promise<void> {
  await node.ctl(['add_vhost', VHOST, ...(quorum ? ['--default-queue-type', 'quorum'] : [])]);
  await node.ctl(['set_permissions', '-p', VHOST, 'guest', '.*', '.*', '.*']);
}

const vhostUrl = (node: RabbitServer): string => `amqp://guest:guest@127.0.0.1:${node.port}/${VHOST}`;

async function timed(count: number, body: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await body();
  return perSecond(count, performance.now() - start);
}

/** One repetition on one target: publish each awaited, pipelined, then process a filled queue. */
async function rep(ctx: ScenarioContext, sizes: AmqpClusterSizes, queue: string, t: Target): Promise<void> {
  await t.admin.resetQueue();
  const producer = await openCelerityProducer(t.url, queue);
  try {
    t.rates['publish-one'].push(await timed(sizes.publishOne, () => producer.publishOne(sizes.publishOne)));
    await t.admin.waitReady(sizes.publishOne, 30_000);
    t.rates['publish-bulk'].push(await timed(sizes.publishBulk, () => producer.publishBulk!(sizes.publishBulk, sizes.bulkBatch)));
    await t.admin.waitReady(sizes.publishOne + sizes.publishBulk, 30_000);
  } finally {
    await producer.close();
  }
  // A new producer for the fill: the old one's broker would not declare the deleted queue again.
  await t.admin.resetQueue();
  const filler = await openCelerityProducer(t.url, queue);
  try {
    await filler.publishBulk!(sizes.processJobs, sizes.bulkBatch);
  } finally {
    await filler.close();
  }
  await t.admin.waitReady(sizes.processJobs, 30_000);
  const run = await t.worker!.run({ redisUrl: ctx.target.redisUrl, queue, concurrency: CONCURRENCY, expect: sizes.processJobs, timeout: ctx.config.runTimeoutMs });
  if (run.processed < sizes.processJobs) throw new Error(`only ${run.processed} of ${sizes.processJobs} processed`);
  const left = await t.admin.ready();
  if (left !== 0) throw new Error(`${left} messages still ready after the run`);
  t.rates.process.push(perSecond(sizes.processJobs, run.ms));
  t.cpu.push(run.cpuUs / sizes.processJobs);
  const last = (m: AmqpMeasure): string => t.rates[m].at(-1)!.toFixed(0);
  ctx.log(`  amqp-cluster ${t.name}: ${last('publish-one')}/s one at a time, ${last('publish-bulk')}/s bulk, ${last('process')}/s processed`);
}

/**
 * Starts the servers (minutes on a busy machine), runs the rows and stops them.
 * @example
 * results.amqpCluster = await runAmqpCluster(ctx);
 */
export async function runAmqpCluster(ctx: ScenarioContext): Promise<AmqpClusterResults> {
  const sizes = clusterSizes(ctx);
  const out: AmqpClusterResults = { rabbitmq: 'unknown', sizes, rows: [], errors: [] };
  ctx.log('  starting a private RabbitMQ node and a private 3-node cluster');
  const started = await Promise.allSettled([startRabbitServer(), startRabbitCluster({ size: 3 })]);
  const single = started[0].status === 'fulfilled' ? started[0].value : undefined;
  const cluster: RabbitCluster | undefined = started[1].status === 'fulfilled' ? started[1].value : undefined;
  const targets: Target[] = [];
  const previousUrl = process.env[AMQP_URL_ENV];
  try {
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    await addVhost(single!, false);
    await addVhost(cluster!.nodes[0]!, true);
    out.rabbitmq = (await single!.ctl(['version'])).trim();
    const queue = ctx.target.queue;
    const urls: Array<[ClusterTarget, string, string]> = [
      ['classic-1', vhostUrl(single!), vhostUrl(single!)],
      ['quorum-3', cluster!.nodes.map(vhostUrl).join(';'), vhostUrl(cluster!.nodes[0]!)],
    ];
    for (const [name, url, adminUrl] of urls) {
      // A worker child reads its URL from the environment it is started with.
      process.env[AMQP_URL_ENV] = url;
      const target: Target = { name, url, admin: await openAmqpAdmin(adminUrl, queue), worker: undefined, rates: { 'publish-one': [], 'publish-bulk': [], process: [] }, cpu: [], failed: false };
      targets.push(target);
      target.worker = await startWorkerProcess('../amqp/workers/celerity.ts', ctx.workerExecArgv);
    }
    for (let r = 0; r < sizes.reps; r++) {
      for (const t of targets.filter((x) => !x.failed)) {
        try {
          await rep(ctx, sizes, queue, t);
        } catch (error) {
          t.failed = true;
          const message = error instanceof Error ? error.message : String(error);
          out.errors.push({ what: t.name, message });
          ctx.log(`  amqp-cluster ${t.name}: FAILED ${message.split('\n')[0]}`);
        }
      }
    }
  } catch (error) {
    out.errors.push({ what: 'setup', message: error instanceof Error ? error.message : String(error) });
  } finally {
    await Promise.all(targets.map((t) => t.worker?.close()));
    await Promise.all(targets.map((t) => t.admin.close().catch(() => undefined)));
    if (previousUrl === undefined) delete process.env[AMQP_URL_ENV];
    else process.env[AMQP_URL_ENV] = previousUrl;
    await Promise.all([single?.dispose(), cluster?.dispose()]);
  }
  const settings: Record<AmqpMeasure, string> = {
    'publish-one': `${sizes.publishOne.toLocaleString('en-US')} sends`,
    'publish-bulk': `${sizes.publishBulk.toLocaleString('en-US')} in batches of ${sizes.bulkBatch.toLocaleString('en-US')}`,
    process: `concurrency ${CONCURRENCY} (prefetch 100)`,
  };
  for (const measure of ['publish-one', 'publish-bulk', 'process'] as const) {
    for (const t of targets) {
      if (t.failed || t.rates[measure].length === 0) continue;
      out.rows.push({ target: t.name, measure, setting: settings[measure], rate: summarize(t.rates[measure]), ...(measure === 'process' ? { workerCpuUs: summarize(t.cpu) } : {}) });
    }
  }
  return out;
}
