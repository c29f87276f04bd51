import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
const url = 'redis://127.0.0.1:6391/0';
const noWatch = process.argv.includes('--nowatch');
for (let rep = 0; rep < 4; rep++) {
  const broker = createRedisBroker({ url });
  const backend = createRedisBackend({ url });
  await broker.connect(); await backend.connect();
  await broker.client.flushdb();
  const client = createClient({ broker, backend: noWatch ? undefined : backend, defaultQueue: 'bench' });
  const t = performance.now();
  const n = 50_000;
  for (let s = 0; s < n; s += 1000) {
    const items = [];
    for (let i = s; i < s + 1000; i++) items.push({ task: 'tasks.add', args: [i, i] });
    await client.sendMany(items);
  }
  console.log('bulk/s', Math.round(n / ((performance.now() - t) / 1000)));
  await client.close(); await broker.close(); await backend.close();
}
