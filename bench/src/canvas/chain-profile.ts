/**
 * `REDIS_URL=redis://… node dist/canvas/chain-profile.js [steps] [--cpu-prof]` (from bench/, after
 * `pnpm build:bench`): one chain of `steps` (default 1000) `add` steps on a Celerity worker (child
 * process), timed, with the worker's CPU profile in results/profiles/ when asked for; to study what
 * each step costs without the rest of the canvas rows. Summarize a profile with
 * `node --import tsx src/profile-summary.ts <file>`. Its keys stay in that Redis: give it a
 * database of its own.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { chain, signature } from '@celerity/core';
import type { AsyncResult } from '@celerity/client';
import { createClient } from '@celerity/client';
import { startWorkerProcess } from '../worker-process.js';

const steps = Number(process.argv[2] ?? 1000);
const profiles = fileURLToPath(new URL('../../results/profiles', import.meta.url));
const prof = process.argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [];
const redisUrl = process.env['REDIS_URL'];
if (redisUrl === undefined) throw new Error('Set REDIS_URL to a Redis of its own, e.g. redis://127.0.0.1:<port>/0 of a redis-server started for it');
const queue = `chainprof-${process.pid}`;
const worker = await startWorkerProcess('celerity-canvas.ts', prof);
await worker.serve({ redisUrl, queue, concurrency: 10 });
const broker = createRedisBroker({ url: redisUrl });
const backend = createRedisBackend({ url: redisUrl });
const client = createClient({ broker, backend, defaultQueue: queue });
const sigs = [signature('tasks.add', [0, 0]), ...Array.from({ length: steps - 1 }, () => signature('tasks.add', [1]))];
const start = performance.now();
const value = await ((await client.apply(chain(...sigs))) as AsyncResult).get();
const ms = performance.now() - start;
console.log(`chain ${steps}: ${(ms / 1000).toFixed(2)} s, value ${String(value)}`);
await worker.stopServing();
await worker.close();
await client.close();
await broker.close();
await backend.close();
