/**
 * Worker child for the raw amqplib floor: one channel, `basic.qos(prefetch)`, manual acks one
 * message at a time, the task body parsed and `x + y` computed. No result is kept.
 */
import { connect } from 'amqplib';
import { runWorkerChild } from '../../workers/harness.js';
import { amqpUrlFromEnv } from './env.js';

runWorkerChild(async ({ queue, concurrency }) => {
  const model = await connect(amqpUrlFromEnv());
  const channel = await model.createChannel();
  await channel.prefetch(concurrency);
  await channel.checkQueue(queue);
  let processed = 0;
  let sum = 0;
  return {
    async start() {
      await channel.consume(queue, (msg) => {
        if (!msg) return;
        const [args] = JSON.parse(msg.content.toString('utf8')) as [[number, number]];
        sum += args[0] + args[1];
        channel.ack(msg);
        processed++;
      });
    },
    processed: () => processed,
    async stop() {
      if (!Number.isFinite(sum)) throw new Error('bad task arguments');
      await model.close();
    },
  };
});
