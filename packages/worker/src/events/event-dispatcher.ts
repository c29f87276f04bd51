/**
 * Sends Celery events the way Celery's `EventDispatcher` does: each event gets the sender's
 * hostname, `utcoffset`, pid, the next Lamport `clock` and a `timestamp`; worker events go out one
 * by one, task events are buffered (Celery's buffer group `task`) and published as one
 * `task.multi` list at the end of the event loop's turn, or as soon as `bufferLimit` are waiting.
 * Events are best effort, as in Celery: a publish that fails is logged and dropped.
 */
import type { Broker, Clock, Logger } from '@celerity/core';
import { EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, encodeEvents, eventRoutingKey, utcOffsetHours } from '@celerity/core/internal';
import type { CeleryEvent } from '@celerity/core/internal';

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
  /** Publishes what is buffered and waits for every publish in flight. */
  flush(): Promise<void>;
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
  let buffer: CeleryEvent[] = [];
  let scheduled = false;
  let warned = false;
  const inFlight = new Set<Promise<void>>();

  // The UTC offset changes twice a year at most: read it once a minute, not per event.
  let utcoffset = 0;
  let offsetReadAt = -Infinity;
  const offsetAt = (now: number): number => {
    if (now - offsetReadAt >= 60_000 || now < offsetReadAt) {
      utcoffset = utcOffsetHours(new Date(now));
      offsetReadAt = now;
    }
    return utcoffset;
  };

  // Field order as Celery's Event(): common fields, the type's own, then timestamp and type.
  const build = (type: string, fields: Record<string, unknown>): CeleryEvent => {
    const now = clock.now();
    return { hostname, utcoffset: offsetAt(now), pid, clock: ++lamport, ...fields, timestamp: now / 1000, type } as CeleryEvent;
  };

  const publish = (routingKey: string, body: CeleryEvent | CeleryEvent[]): Promise<void> => {
    const sent = broker.broadcast(EVENT_EXCHANGE, routingKey, encodeEvents(body, hostname)).catch((error: unknown) => {
      // One warning, not one per event: a broker that is down would flood the log otherwise.
      if (!warned) logger.warn(`Could not send events: ${(error as Error).message}`, { error });
      warned = true;
    });
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
    return sent;
  };

  const flushBuffer = (): void => {
    scheduled = false;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    void publish(TASK_BATCH_ROUTING_KEY, batch);
  };

  return {
    send(type, fields) {
      return publish(eventRoutingKey(type), build(type, fields));
    },
    sendBuffered(type, fields) {
      buffer.push(build(type, fields));
      if (buffer.length >= bufferLimit) flushBuffer();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flushBuffer);
      }
    },
    async flush() {
      flushBuffer();
      await Promise.all([...inFlight]);
    },
  };
}
