import { Redis } from 'ioredis';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createWorker } from '@celerity/worker';
import { add } from './src/workers/celerity-tasks.js';
const url = 'redis://127.0.0.1:6391/0';
const log: string[] = []; let t0 = performance.now(); let count = 0;
const orig = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (cmd: any, stream?: any) {
  const p = orig.call(this, cmd, stream);
  const name = cmd.name;
  if (name.toLowerCase() === 'brpop') { log.push(`${(performance.now() - t0).toFixed(3)} send BRPOP`); cmd.promise.then(() => { count++; t0 = performance.now(); log.push(`---- brpop-reply #${count}`); }, () => {}); }
  else log.push(`${(performance.now() - t0).toFixed(3)} send ${name}`);
  return p;
};
const wb = createRedisBroker({ url }); const wk = createRedisBackend({ url });
await wb.connect(); await wk.connect();
const { defineTask } = await import('@celerity/core');
const add2 = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, async (x: number, y: number) => { log.push(`${(performance.now() - t0).toFixed(3)} task runs`); return x + y; });
const worker = createWorker({ broker: wb, backend: wk, tasks: [add2], queues: ['rt'], concurrency: 10 });
await worker.start();
console.log('ready');
process.on('SIGTERM', async () => { console.log(log.slice(-40).join('\n')); await worker.stop(); await wb.close(); await wk.close(); process.exit(0); });
