/** Worker child for the canvas rows: `createWorker` with the Redis broker and backend, async pool. */
import * as tasks from './celerity-canvas-tasks.js';
import { runCelerityWorkerChild } from './celerity-child.js';

runCelerityWorkerChild({ tasks, hostname: 'canvas@bench' });
