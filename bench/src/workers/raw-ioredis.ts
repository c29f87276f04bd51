/** Worker child for the raw floor with one Lua call per job (`concurrency` loops). */
import { runWorkerChild } from './harness.js';
import { createRawWorker } from './raw-consumer.js';

runWorkerChild((options) => createRawWorker({ ...options, batch: 1 }));
