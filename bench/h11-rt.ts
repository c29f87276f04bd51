import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';
import { add } from './src/workers/celerity-tasks.js';
const url = 'redis://127.0.0.1:6391/0';
const inproc = process.argv.includes('--worker');
const wb = createRedisBroker({ url }); const wk = createRedisBackend({ url });
let worker;
if (inproc) { await wb.connect(); await wk.connect(); await wb.client.flushdb(); worker = createWorker({ broker: wb, backend: wk, tasks: [add], queues: ['rt'], concurrency: 10 }); await worker.start(); }
const broker = createRedisBroker({ url }); const backend = createRedisBackend({ url });
await broker.connect(); await backend.connect();
const client = createClient({ broker, backend, defaultQueue: 'rt' });
const task = client.task<typeof add>('tasks.add');
const send: number[] = []; const total: number[] = [];
for (let i = 0; i < 1500; i++) {
  const t0 = performance.now();
  const r = await task.delay(i, i);
  const t1 = performance.now();
  const v = await r.get({ timeout: 5 });
  const t2 = performance.now();
  if (v !== 2 * i) throw new Error('bad');
  if (i >= 500) { send.push(t1 - t0); total.push(t2 - t0); }
}
const p = (a: number[], q: number) => a.sort((x, y) => x - y)[Math.floor(a.length * q)]!.toFixed(3);
console.log('send p50', p(send, 0.5), 'total p50', p(total, 0.5), 'p99', p(total, 0.99));
await client.close(); await broker.close(); await backend.close();
if (worker) { await worker.stop(); await wb.close(); await wk.close(); }
