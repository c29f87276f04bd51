/**
 * Sends ticks straight to a broker as Celery task messages (protocol 2, JSON, core's encoder), for the
 * `celerity beat` command, which has a broker URL and no client. Library users with a client use
 * `createTickSender(client)` instead, which goes through the client's routing and hooks.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { encodeTaskMessage, jsonSerializer, type Broker } from '@celerity/core';
import type { BeatEntry } from './entry.js';
import type { TickSender } from './runner.js';
import { tickSendOptions } from './sender.js';

export interface BrokerTickSenderOptions {
  /** Queue of entries that name none. @default 'celery' */
  defaultQueue?: string;
  /** Time of the send, for `expires`. @default Date.now */
  now?: () => number;
}

export function createBrokerTickSender(broker: Pick<Broker, 'declareQueue' | 'publish'>, options: BrokerTickSenderOptions = {}): TickSender {
  const declared = new Set<string>();
  const origin = `beat${process.pid}@${hostname()}`;
  const now = options.now ?? Date.now;
  return async (entry: BeatEntry, tickMs: number) => {
    const send = tickSendOptions(entry, tickMs);
    const queue = send.queue ?? options.defaultQueue ?? 'celery';
    if (!declared.has(queue)) {
      await broker.declareQueue(queue);
      declared.add(queue);
    }
    const envelope = encodeTaskMessage(
      {
        task: entry.task,
        id: randomUUID(),
        args: entry.args,
        kwargs: send.kwargs,
        origin,
        headers: send.headers,
        ...(send.expires === undefined ? {} : { expires: new Date(now() + send.expires * 1000) }),
        ...(send.priority === undefined ? {} : { priority: send.priority }),
      },
      { serializer: jsonSerializer },
    );
    await broker.publish({ queue }, envelope);
  };
}
