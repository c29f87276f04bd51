/**
 * Sends ticks straight to a broker as Celery task messages (protocol 2, JSON, core's encoder), for the
 * `celerity beat` command, which has a broker URL and no client. Library users with a client use
 * `createTickSender(client)` instead, which goes through the client's routing and hooks.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { encodeTaskMessage, jsonSerializer, type Broker, type Envelope, type PublishTarget } from '@celerity/core';
import type { BeatEntry } from './entry.js';
import type { TickPusher, TickSender } from './runner.js';
import { tickSendOptions } from './sender.js';
import type { ListPush } from './store.js';

export interface BrokerTickSenderOptions {
  /** Queue of entries that name none. @default 'celery' */
  defaultQueue?: string;
  /** Time of the send, for `expires`. @default Date.now */
  now?: () => number;
}

/**
 * A broker that can say what its publish would LPUSH, and where, without pushing it: `@celerity/broker-redis`'s
 * `encodePush`. Beat LPUSHes those bytes itself, in the script that claims the tick.
 */
export interface ListPushBroker extends Pick<Broker, 'declareQueue'> {
  encodePush(target: PublishTarget, envelope: Envelope): ListPush;
}

/** Whether `broker` is a {@link ListPushBroker} (a Redis broker). */
export function isListPushBroker(broker: object): broker is ListPushBroker {
  return typeof (broker as Partial<ListPushBroker>).encodePush === 'function' && typeof (broker as Partial<ListPushBroker>).declareQueue === 'function';
}

/** The queue and envelope of one tick; each queue is declared once. */
function tickEncoder(broker: Pick<Broker, 'declareQueue'>, options: BrokerTickSenderOptions) {
  const declared = new Set<string>();
  const origin = `beat${process.pid}@${hostname()}`;
  const now = options.now ?? Date.now;
  return async (entry: BeatEntry, tickMs: number, taskId: string): Promise<{ queue: string; envelope: Envelope }> => {
    const send = tickSendOptions(entry, tickMs);
    const queue = send.queue ?? options.defaultQueue ?? 'celery';
    if (!declared.has(queue)) {
      await broker.declareQueue(queue);
      declared.add(queue);
    }
    const envelope = encodeTaskMessage(
      {
        task: entry.task,
        id: taskId,
        args: entry.args,
        kwargs: send.kwargs,
        origin,
        headers: send.headers,
        ...(send.expires === undefined ? {} : { expires: new Date(now() + send.expires * 1000) }),
        ...(send.priority === undefined ? {} : { priority: send.priority }),
      },
      { serializer: jsonSerializer },
    );
    return { queue, envelope };
  };
}

/**
 * Publishes each tick with the broker's `publish` (which waits for the broker's confirm on AMQP), under
 * the task id the runner gives (a new uuid4 when called without one, as `beat run-now` does).
 * @example
 * const runner = new BeatRunner({ store, send: createBrokerTickSender(amqpBroker) });
 */
export function createBrokerTickSender(broker: Pick<Broker, 'declareQueue' | 'publish'>, options: BrokerTickSenderOptions = {}): (entry: BeatEntry, tickMs: number, taskId?: string) => Promise<void> {
  const encode = tickEncoder(broker, options);
  const send: TickSender = async (entry, tickMs, taskId) => {
    const { queue, envelope } = await encode(entry, tickMs, taskId);
    await broker.publish({ queue }, envelope);
  };
  return (entry, tickMs, taskId = randomUUID()) => send(entry, tickMs, taskId);
}

/**
 * Encodes each tick as the bytes and list a Redis broker's publish would LPUSH, for the runner's `push`:
 * the claim script pushes them, so the store must be on the broker's Redis server and db.
 * @example
 * const runner = new BeatRunner({ store, push: createBrokerTickPusher(redisBroker) });
 */
export function createBrokerTickPusher(broker: ListPushBroker, options: BrokerTickSenderOptions = {}): TickPusher {
  const encode = tickEncoder(broker, options);
  return async (entry, tickMs, taskId) => {
    const { queue, envelope } = await encode(entry, tickMs, taskId);
    return broker.encodePush({ queue }, envelope);
  };
}
