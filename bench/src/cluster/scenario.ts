/**
 * Redis Cluster throughput: the same broker workload on the bench's single Redis and on a private
 * six-node cluster (3 masters + 3 replicas), with 1, 2 and 4 queues. The cluster layout gives each
 * queue its own hash tag, so with more queues the load spreads over more masters.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createRedisBroker, type RedisBroker } from '@celerity/broker-redis';
import type { Envelope } from '@celerity/core';
import { startRedisCluster, type RedisCluster } from '@celerity/testing/redis';
import type { ScenarioContext } from '../scenarios/context.js';
import type { ClusterResults, ClusterRow } from './results.js';

const QUEUE_COUNTS = [1, 2, 4] as const;

function envelopeOf(i: number): Envelope {
  return {
    body: Buffer.from(JSON.stringify([[i], {}, { callbacks: null, errbacks: null, chain: null, chord: null }])),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { lang: 'py', task: 'bench.noop', id: `bench-${i}` },
    properties: {},
  };
}

/** The master ports serving the slots of `keys` on `cluster`. */
async function mastersOf(cluster: RedisCluster, keys: readonly string[]): Promise<number> {
  const nodes = (await cluster.nodes()).filter((n) => n.role === 'master');
  const first = new Redis({ host: '127.0.0.1', port: nodes[0]?.port ?? 0 });
  try {
    const ports = new Set<number>();
    for (const key of keys) {
      const slot = Number(await first.call('CLUSTER', 'KEYSLOT', key));
      const master = nodes.find((n) => n.slots.some(([a, b]) => slot >= a && slot <= b));
      if (master !== undefined) ports.add(master.port);
    }
    return ports.size;
  } finally {
    first.disconnect();
  }
}

async function measure(url: string, prefix: string, queueCount: number, messages: number): Promise<Omit<ClusterRow, 'redis' | 'masters'>> {
  const queues = Array.from({ length: queueCount }, (_, i) => `bench-cluster-${i}`);
  const broker: RedisBroker = createRedisBroker({ url, keyPrefix: prefix, pollInterval: 0.2 });
  try {
    await broker.connect();
    const items = Array.from({ length: messages }, (_, i) => ({ target: { queue: queues[i % queueCount] ?? 'bench-cluster-0' }, envelope: envelopeOf(i) }));
    const published = performance.now();
    for (let i = 0; i < items.length; i += 1000) await broker.publishMany(items.slice(i, i + 1000));
    const publishS = (performance.now() - published) / 1000;
    let acked = 0;
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const started = performance.now();
    const consumers = await Promise.all(
      queues.map((queue) =>
        broker.consume(
          [queue],
          (delivery) => {
            void delivery.ack().then(() => {
              if (++acked === messages) done();
            });
          },
          { prefetch: 100 },
        ),
      ),
    );
    await all;
    const consumeS = (performance.now() - started) / 1000;
    await Promise.all(consumers.map((c) => c.cancel()));
    return { queues: queueCount, messages, publishPerS: messages / publishS, consumePerS: messages / consumeS };
  } finally {
    await broker.close();
  }
}

export async function runCluster(ctx: ScenarioContext): Promise<ClusterResults> {
  const messages = ctx.config.mode === 'quick' ? 5_000 : 50_000;
  const results: ClusterResults = { masters: 3, replicas: 1, rows: [], errors: [] };
  let cluster: RedisCluster | undefined;
  try {
    cluster = await startRedisCluster({ masters: results.masters, replicasPerMaster: results.replicas });
    for (const queues of QUEUE_COUNTS) {
      for (const kind of ['single', 'cluster'] as const) {
        const prefix = `bench-cluster-${kind}-${queues}-${Date.now().toString(36)}:`;
        try {
          const url = kind === 'single' ? ctx.target.redisUrl : cluster.url;
          const row = await measure(url, prefix, queues, messages);
          const masters = kind === 'single' ? 1 : await mastersOf(cluster, Array.from({ length: queues }, (_, i) => `${prefix}{bench-cluster-${i}}`));
          results.rows.push({ redis: kind, masters, ...row });
          ctx.log(`  ${kind} ${queues} queue(s): publish ${Math.round(row.publishPerS)}/s, consume + ack ${Math.round(row.consumePerS)}/s on ${masters} master(s)`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          results.errors.push({ what: `${kind} ${queues} queue(s)`, message });
          ctx.log(`  cluster: ${kind} ${queues} queue(s) FAILED ${message.split('\n')[0]}`);
        }
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    results.errors.push({ what: 'cluster setup', message });
    ctx.log(`  cluster: FAILED ${message.split('\n')[0]}`);
  } finally {
    await cluster?.stop();
  }
  return results;
}
