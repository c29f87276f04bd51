/**
 * The producer's own process (forked by producer-client.ts): publishes with a Celerity client and
 * reports each batch over IPC. Publishing lives outside the harness so that a client that hangs
 * (or blocks its event loop) under a fault cannot stop the harness from watching and counting;
 * its heartbeat tells the harness whether its event loop still turns.
 */
import { createClient } from '@celerity/client';
import type { Client } from '@celerity/client';
import { brokerAdapter as amqpAdapter } from '@celerity/broker-amqp';
import { brokerAdapter as redisAdapter } from '@celerity/broker-redis';
import { runProducer } from './producer.js';
import type { ProduceCommand, ProducerMessage } from './producer-protocol.js';

function post(message: ProducerMessage): void {
  process.send?.(message);
}

async function produce(command: ProduceCommand): Promise<void> {
  const client: Client = createClient({ broker: command.url, adapters: [command.broker === 'redis' ? redisAdapter : amqpAdapter], brokerOptions: command.brokerOptions ?? {} });
  try {
    await runProducer({
      client,
      queue: command.queue,
      tasks: command.tasks,
      rate: command.rate,
      batch: command.batch,
      onBatch: (ids, error) => post(error === undefined ? { type: 'sent', ids } : { type: 'failed', ids, error: error.message }),
    });
  } finally {
    await client.close().catch(() => undefined);
  }
  post({ type: 'done' });
}

const heartbeat = setInterval(() => post({ type: 'alive' }), 250);
process.once('message', (command: ProduceCommand) => {
  produce(command).then(
    () => {
      clearInterval(heartbeat);
      process.disconnect();
    },
    (error: unknown) => {
      post({ type: 'error', error: (error as Error).stack ?? String(error) });
      clearInterval(heartbeat);
      process.disconnect();
    },
  );
});
