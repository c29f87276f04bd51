/**
 * Worker child of events/events-profile.ts (the bench's own events rows are the features part's
 * `baseline` and `events`): `createWorker` with the Redis broker and backend, async pool, events on
 * when `BENCH_CELERITY_EVENTS=on` (set before this child is forked).
 */
import * as tasks from './celerity-pool-tasks.js';
import { runCelerityWorkerChild } from './celerity-child.js';

const eventsEnabled = process.env['BENCH_CELERITY_EVENTS'] === 'on';

runCelerityWorkerChild({ tasks, eventsEnabled, hostname: `events-${eventsEnabled ? 'on' : 'off'}@bench` });
