/** Worker child for the raw floor with batches of 100 per Lua call. */
import { runWorkerChild } from './harness.js';
import { createRawWorker } from './raw-consumer.js';

runWorkerChild((options) => createRawWorker({ ...options, batch: 100 }));
