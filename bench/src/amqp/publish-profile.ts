/**
 * A small publisher to profile one side of the pipelined publish row alone, under `--cpu-prof` or
 * `valgrind --tool=callgrind`: `node dist/amqp/publish-profile.js <celerity|raw> <count> [batch]`.
 * It warms up with 2,000 publishes, then publishes `count` `add(i, i)` tasks in batches of `batch`
 * (default 1,000) exactly as the bench row does, and prints the rate and this process's CPU time per
 * message. Instructions per message: run it at two counts under callgrind and divide the difference
 * of the totals by the difference of the counts (start-up and warm-up cancel out).
 * It uses the vhost in `CELERITY_BENCH_AMQP_URL`, or makes a fresh one (and deletes it).
 */
import { performance } from 'node:perf_hooks';
import { openAmqpAdmin } from './admin.js';
import { openCelerityProducer } from './producers.js';
import { openRawPublisher } from './raw.js';
import { createBenchVhost } from './vhost.js';
import type { BenchVhost } from './vhost.js';
import { AMQP_URL_ENV } from './workers/env.js';

const WARM_UP = 2000;
const QUEUE = 'bench-profile';

const [system = 'celerity', countArg = '20000', batchArg = '1000'] = process.argv.slice(2);
const count = Number(countArg);
const batch = Number(batchArg);
if (system !== 'celerity' && system !== 'raw') throw new Error(`system must be celerity or raw, not ${system}`);
if (!Number.isInteger(count) || count < 0 || !Number.isInteger(batch) || batch < 1) throw new Error('count and batch must be whole numbers');

let vhost: BenchVhost | undefined;
const given = process.env[AMQP_URL_ENV];
const url = given ?? (vhost = await createBenchVhost()).url;
const admin = await openAmqpAdmin(url, QUEUE);
try {
  await admin.resetQueue();
  const producer = system === 'celerity' ? await openCelerityProducer(url, QUEUE) : await openRawPublisher(url, QUEUE);
  try {
    await producer.publishBulk!(WARM_UP, batch);
    const cpu = process.cpuUsage();
    const start = performance.now();
    await producer.publishBulk!(count, batch);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const perMessageUs = count === 0 ? 0 : (used.user + used.system) / count;
    console.log(`${system}: ${count} in batches of ${batch}: ${Math.round((count / ms) * 1000)}/s, ${perMessageUs.toFixed(1)} µs CPU per message in this process`);
  } finally {
    await producer.close();
  }
  await admin.resetQueue();
} finally {
  await admin.close();
  await vhost?.close();
}
