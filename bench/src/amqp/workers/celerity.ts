/**
 * Worker child for Celerity on RabbitMQ: `createWorker` with `createAmqpBroker`, no result backend,
 * early acks (the default). Concurrency c gives the default prefetch of c × 4.
 */
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createWorker } from '@celerity/worker';
import { add } from '../../workers/celerity-tasks.js';
import { runWorkerChild } from '../../workers/harness.js';
import { amqpUrlFromEnv } from './env.js';

runWorkerChild(async ({ queue, concurrency }) => {
  const broker = createAmqpBroker({ url: amqpUrlFromEnv() });
  await broker.connect();
  const worker = createWorker({ broker, tasks: [add], queues: [queue], concurrency, acksLate: false });
  return {
    start: () => worker.start(),
    // Without a backend, `processed` counts a task once it ran (its message was acked before).
    processed: () => worker.stats.processed,
    async stop() {
      await worker.stop();
      await broker.close();
    },
  };
});
