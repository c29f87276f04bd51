/**
 * Sends Celery events the way Celery's `EventDispatcher` does: each event gets the sender's
 * hostname, `utcoffset`, pid, the next Lamport `clock` and a `timestamp`; worker events go out one
 * by one, task events are buffered (Celery's buffer group `task`) and published as one
 * `task.multi` list at the end of the event loop's turn, or as soon as `bufferLimit` are waiting.
 * Events are best effort, as in Celery: a publish that fails is logged and dropped.
 */
import type { Broker, Clock, Logger } from '@celerity/core';
import { EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, encodeEventsJson, eventRoutingKey, utcOffsetHours } from '@celerity/core/internal';

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
   * {@link sendBuffered} with the type's fields already written as the members of a JSON object
   * (`"uuid": "…", "result": "5"`, without braces; empty for none), for the events of every task.
   */
  sendBufferedJson(type: string, members: string): void;
  /** Publishes what is buffered and waits for every publish in flight. */
  flush(): Promise<void>;
}

/** The members of a JSON object: its text without the braces. */
const membersOf = (fields: Record<string, unknown>): string => JSON.stringify(fields).slice(1, -1);

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
  // Events are written as JSON text as they come (Celery's field order), joined into a list at the
  // flush: a busy worker sends three per task, and building objects to stringify later costs more.
  let buffer: string[] = [];
  let scheduled = false;
  let warned = false;
  const inFlight = new Set<Promise<void>>();
  const quotedTypes = new Map<string, string>();

  // The UTC offset changes twice a year at most: read it once a minute, not per event.
  let head = '';
  let offsetReadAt = -Infinity;
  const headAt = (now: number): string => {
    if (now - offsetReadAt >= 60_000 || now < offsetReadAt) {
      head = `{"hostname":${JSON.stringify(hostname)},"utcoffset":${utcOffsetHours(new Date(now))},"pid":${pid},"clock":`;
      offsetReadAt = now;
    }
    return head;
  };

  // Field order as Celery's Event(): common fields, the type's own, then timestamp and type.
  const write = (type: string, members: string): string => {
    let quoted = quotedTypes.get(type);
    if (quoted === undefined) {
      quoted = JSON.stringify(type);
      quotedTypes.set(type, quoted);
    }
    const now = clock.now();
    return `${headAt(now)}${++lamport}${members === '' ? '' : `,${members}`},"timestamp":${now / 1000},"type":${quoted}}`;
  };

  const publish = (routingKey: string, json: string): Promise<void> => {
    const sent = broker.broadcast(EVENT_EXCHANGE, routingKey, encodeEventsJson(json, hostname)).catch((error: unknown) => {
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
    void publish(TASK_BATCH_ROUTING_KEY, `[${batch.join(',')}]`);
  };

  const sendBufferedJson = (type: string, members: string): void => {
    buffer.push(write(type, members));
    if (buffer.length >= bufferLimit) flushBuffer();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flushBuffer);
    }
  };

  return {
    send(type, fields) {
      return publish(eventRoutingKey(type), write(type, membersOf(fields)));
    },
    sendBuffered(type, fields) {
      sendBufferedJson(type, membersOf(fields));
    },
    sendBufferedJson,
    async flush() {
      flushBuffer();
      await Promise.all([...inFlight]);
    },
  };
}
