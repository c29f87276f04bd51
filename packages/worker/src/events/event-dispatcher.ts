/**
 * Sends Celery events the way Celery's `EventDispatcher` does: each event gets the sender's
 * hostname, `utcoffset`, pid, the next Lamport `clock` and a `timestamp`; worker events go out one
 * by one, task events are buffered (Celery's buffer group `task`) and published as `task.multi`
 * lists (list-publisher.ts): each is written into the current list's bytes as it is sent
 * (event-list.ts), and the publisher sends the list after the next turn's I/O. Events are best
 * effort, as in Celery: a publish that fails is logged and dropped.
 */
import type { Broker, Clock, Logger } from '@celerity/core';
import { EVENT_EXCHANGE, encodeEventsBytes, eventRoutingKey } from '@celerity/core/internal';
import { EventListWriter, membersOf } from './event-list.js';
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
   * The list task events are written to now. Write one event with its methods, with
   * {@link forwardClock} and {@link now}, then call {@link buffered}.
   */
  list(): EventListWriter;
  /** Counts the event just written to {@link list}; it goes out with this turn's. */
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
  // Events sent one by one are written here and taken at once.
  const single = new EventListWriter(hostname, pid, 1024);
  const inFlight = new Set<Promise<void>>();

  const publish = (routingKey: string, body: Buffer): Promise<void> => {
    const sent = broker.broadcast(EVENT_EXCHANGE, routingKey, encodeEventsBytes(body, hostname)).catch((error: unknown) => warnOnce(`Could not send events: ${(error as Error).message}`, error));
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
    return sent;
  };

  const dispatcher: EventDispatcher = {
    send(type, fields) {
      single.other(++lamport, clock.now(), type, membersOf(fields));
      return publish(eventRoutingKey(type), single.take(false));
    },
    sendBuffered(type, fields) {
      local.list.other(++lamport, clock.now(), type, membersOf(fields));
      local.added();
    },
    list: () => local.list,
    buffered: () => local.added(),
    now: () => clock.now(),
    async flush() {
      await Promise.all([local.flush(), ...inFlight]);
    },
    forwardClock: () => ++lamport,
    clockValue: () => lamport,
  };
  return dispatcher;
}
