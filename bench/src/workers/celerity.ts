/** Worker child for Celerity: `createWorker` with the Redis broker and backend, defaults otherwise. */
import { add } from './celerity-tasks.js';
import { runCelerityWorkerChild } from './celerity-child.js';

runCelerityWorkerChild({ tasks: [add] });
