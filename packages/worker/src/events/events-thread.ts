/**
 * The events thread: opens its own broker from the worker broker's recipe and publishes the task
 * event records the worker hands it as `task.multi` lists, so that writing and publishing them
 * (JSON text, UTF-8, the envelope, the socket writes: most of what task events cost a busy worker)
 * takes no time on the worker's main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Broker } from '@celerity/core';
import { ListPublisher } from './list-publisher.js';
import type { EventsThreadData, FromEventsThread, ToEventsThread } from './events-thread-protocol.js';

const port = parentPort;
const post = (message: FromEventsThread): void => port?.postMessage(message);

async function main(data: EventsThreadData): Promise<void> {
  let broker: Broker;
  try {
    const module = (await import(data.recipe.module)) as Record<string, unknown>;
    const factory = module[data.recipe.factory];
    if (typeof factory !== 'function') throw new Error(`${data.recipe.module} exports no function ${data.recipe.factory}`);
    broker = (factory as (options: unknown) => Broker)(data.recipe.options);
  } catch (error) {
    post({ kind: 'warn', message: `The events thread could not open the broker: ${(error as Error).message}`, fatal: true });
    return;
  }
  // Connected before the first list: lists handed over meanwhile wait in the port, not as one
  // connection listener each.
  await broker.connect().catch((error: unknown) => post({ kind: 'warn', message: `The events thread could not connect: ${(error as Error).message}`, fatal: false }));
  const publisher = new ListPublisher({
    broker,
    hostname: data.hostname,
    pid: data.pid,
    bufferLimit: data.bufferLimit,
    warn: (message) => post({ kind: 'warn', message, fatal: false }),
  });
  port?.on('message', (message: ToEventsThread) => {
    if (message.kind === 'records') publisher.add(message.records, message.count);
    else if (message.kind === 'flush') void publisher.flush().then(() => post({ kind: 'flushed', id: message.id }));
    else
      void publisher
        .flush()
        .then(() => broker.close())
        .catch(() => {})
        .then(() => {
          post({ kind: 'closed' });
          port.close();
        });
  });
  post({ kind: 'ready' });
}

if (port !== null) void main(workerData as EventsThreadData);
