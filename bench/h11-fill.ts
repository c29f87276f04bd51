import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
const url = 'redis://127.0.0.1:6391/0'; const n = Number(process.argv[2] ?? 30000);
const broker = createRedisBroker({ url }); await broker.connect(); await broker.client.flushdb();
const client = createClient({ broker, defaultQueue: 'pq' });
for (let s = 0; s < n; s += 1000) await client.sendMany(Array.from({ length: 1000 }, (_, i) => ({ task: 'tasks.add', args: [s + i, 1] })));
await client.close(); await broker.close();
