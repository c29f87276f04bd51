/**
 * Worker child for Celerity's pool rows: `createWorker` with the Redis broker and backend and the
 * pool named by `BENCH_CELERITY_POOL` (async, threads or processes; the bench sets it before it forks
 * this child), defaults otherwise.
 */
import { fileURLToPath } from 'node:url';
import type { PoolName } from '@celerity/worker';
import * as tasks from './celerity-pool-tasks.js';
import { runCelerityWorkerChild } from './celerity-child.js';

const pool = (process.env['BENCH_CELERITY_POOL'] ?? 'async') as PoolName;
// Compiled (`dist/workers/*.js`) or from source through tsx: the children import the same file.
const tasksModule = fileURLToPath(new URL(`./celerity-pool-tasks.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

runCelerityWorkerChild({ tasks, tasksModule, pool });
