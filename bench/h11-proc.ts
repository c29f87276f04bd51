import { execFileSync } from 'node:child_process';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
const url = 'redis://127.0.0.1:6391/0';
const n = 30000;
for (const c of (process.argv[2] ?? '1,100').split(',').map(Number)) {
  for (let rep = 0; rep < 3; rep++) {
    const broker = createRedisBroker({ url }); await broker.connect(); await broker.client.flushdb();
    const client = createClient({ broker, defaultQueue: 'pq' });
    for (let s = 0; s < n; s += 1000) await client.sendMany(Array.from({ length: 1000 }, (_, i) => ({ task: 'tasks.add', args: [s + i, 1] })));
    await client.close(); await broker.close();
    process.stdout.write(execFileSync('node', ['--conditions=source', '--import', 'tsx', 'h11-w2.ts', String(n), String(c)], { encoding: 'utf8' }));
  }
}
