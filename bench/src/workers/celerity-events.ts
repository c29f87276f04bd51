/**
 * Worker child for the events rows: `createWorker` with the Redis broker and backend, async pool,
 * events on when `BENCH_CELERITY_EVENTS=on` (the bench sets it before it forks this child).
 */
import * as tasks from './celerity-pool-tasks.js';
import { runCelerityWorkerChild } from './celerity-child.js';

const eventsEnabled = process.env['BENCH_CELERITY_EVENTS'] === 'on';

runCelerityWorkerChild({ tasks, eventsEnabled, hostname: `events-${eventsEnabled ? 'on' : 'off'}@bench` });
