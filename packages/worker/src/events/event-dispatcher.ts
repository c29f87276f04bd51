/**
 * Sends Celery events the way Celery's `EventDispatcher` does: each event gets the sender's
 * hostname, `utcoffset`, pid, the next Lamport `clock` and a `timestamp`; worker events go out one
 * by one, task events are buffered (Celery's buffer group `task`) and published as `task.multi`
 * lists (list-publisher.ts). A turn's task events are kept as flat records (event-records.ts) and
 * handed to the publisher at the end of the event loop's turn, or as soon as `bufferLimit` are
 * waiting; the publisher writes and sends them after the next turn's I/O. Events are best effort,
 * as in Celery: a publish that fails is logged and dropped.
 */
import type { Broker, Clock, Logger } from '@celerity/core';
import { EVENT_EXCHANGE, encodeEventsJson, eventRoutingKey } from '@celerity/core/internal';
import { membersOf, pushOther, type EventRecords } from './event-records.js';
import { ListPublisher } from './list-publisher.js';

/** Options of {@link createEventDispatcher}. */
export interface EventDispatcherOptions {
  broker: Broker;
  hostname: string;
  clock: Clock;
  logger: Logger;
  /**
   * Task events sent in one `task.multi` message at most. Celery's worker sends at most 24
   * (`buffer_limit`); its receivers (and Flower) take lists of any length, and fewer, larger
   * messages keep a busy worker's events cheap (the bench's events row).
   * @default 100
   */
  bufferLimit?: number;
  /** The process id in every event. @default process.pid */
  pid?: number;
}

/** Sends events; see the module comment. */
export interface EventDispatcher {
  /** Publishes one event now (worker events). */
  send(type: string, fields: Record<string, unknown>): Promise<void>;
  /** Buffers a task event; it goes out with the others of this turn in one `task.multi` list. */
  sendBuffered(type: string, fields: Record<string, unknown>): void;
  /**
   * The records of this turn's task events. Push one event with a `push…` function of
   * event-records.ts, with {@link forwardClock} and {@link now}, then call {@link buffered}.
   */
  records(): EventRecords;
  /** Counts the event just pushed to {@link records}; it goes out with this turn's. */
  buffered(): void;
  /** The time for an event's timestamp, in ms since the epoch. */
  now(): number;
  /** Publishes what is buffered and waits until it is published. */
  flush(): Promise<void>;
  /** Advances the Lamport clock the events carry and returns it (Celery's `app.clock.forward()`). */
  forwardClock(): number;
  /** The Lamport clock's value now (Celery's `app.clock.value`). */
  clockValue(): number;
}

/**
 * @example
 * const dispatcher = createEventDispatcher({ broker, hostname: 'w1@host', clock: systemClock, logger });
 * dispatcher.sendBuffered('task-started', { uuid: id });
 */
export function createEventDispatcher(options: EventDispatcherOptions): EventDispatcher {
  const { broker, hostname, clock, logger } = options;
  const pid = options.pid ?? process.pid;
  const bufferLimit = options.bufferLimit ?? 100;
  let lamport = 0;
  let warned = false;
  const warnOnce = (message: string, error: unknown): void => {
    if (!warned) logger.warn(message, { error });
    warned = true;
  };
  const local = new ListPublisher({ broker, hostname, pid, bufferLimit, warn: warnOnce });
  const inFlight = new Set<Promise<void>>();

  let records: EventRecords = [];
  let count = 0;
  let scheduled = false;

  const handOver = (): void => {
    scheduled = false;
    if (count === 0) return;
    const taken = records;
    const takenCount = count;
    records = [];
    count = 0;
    local.add(taken, takenCount);
  };

  const publish = (routingKey: string, body: string): Promise<void> => {
    const sent = broker.broadcast(EVENT_EXCHANGE, routingKey, encodeEventsJson(body, hostname)).catch((error: unknown) => warnOnce(`Could not send events: ${(error as Error).message}`, error));
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
    return sent;
  };

  const dispatcher: EventDispatcher = {
    send(type, fields) {
      return publish(eventRoutingKey(type), local.events.event(type, ++lamport, clock.now(), membersOf(fields)));
    },
    sendBuffered(type, fields) {
      pushOther(records, ++lamport, clock.now(), type, membersOf(fields));
      dispatcher.buffered();
    },
    records: () => records,
    buffered() {
      count++;
      if (count >= bufferLimit) handOver();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(handOver);
      }
    },
    now: () => clock.now(),
    async flush() {
      handOver();
      await Promise.all([local.flush(), ...inFlight]);
    },
    forwardClock: () => ++lamport,
    clockValue: () => lamport,
  };
  return dispatcher;
}
