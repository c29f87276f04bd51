import { Redis } from 'ioredis';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';
import { add } from './src/workers/celerity-tasks.js';
const url = 'redis://127.0.0.1:6391/0';
const log: string[] = [];
let on = false; let t0 = 0;
const orig = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (cmd: any, stream?: any) {
  if (on) log.push(`${(performance.now() - t0).toFixed(3)} send ${cmd.name} ${this.options.connectionName ?? ''}`);
  const p = orig.call(this, cmd, stream);
  if (on && cmd.name.toLowerCase() === 'brpop') cmd.promise.then(() => log.push(`${(performance.now() - t0).toFixed(3)} brpop-reply`), () => {});
  return p;
};
const origImm = global.setImmediate;
const wb = createRedisBroker({ url }); const wk = createRedisBackend({ url });
await wb.connect(); await wk.connect(); await wb.client.flushdb();
const inproc = !process.argv.includes("--remote");
const worker = createWorker({ broker: wb, backend: wk, tasks: [add], queues: ['rt'], concurrency: 10 });
if (inproc) await worker.start();
const broker = createRedisBroker({ url }); const backend = createRedisBackend({ url });
await broker.connect(); await backend.connect();
const client = createClient({ broker, backend, defaultQueue: 'rt' });
const task = client.task<typeof add>('tasks.add');
for (let i = 0; i < 2000; i++) {
  if (i === 1995) on = true;
  t0 = performance.now();
  const r = await task.delay(i, i);
  if (on) log.push(`${(performance.now() - t0).toFixed(3)} sent`);
  await r.get({ timeout: 5 });
  if (on) log.push(`${(performance.now() - t0).toFixed(3)} got ----`);
}
on = false;
console.log(log.join('\n'));
await client.close(); await broker.close(); await backend.close();
await worker.stop(); await wb.close(); await wk.close();
