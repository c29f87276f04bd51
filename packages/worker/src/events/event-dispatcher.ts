/**
 * Sends Celery events the way Celery's `EventDispatcher` does: each event gets the sender's
 * hostname, `utcoffset`, pid, the next Lamport `clock` and a `timestamp`; worker events go out one
 * by one, task events are buffered (Celery's buffer group `task`) and published as one
 * `task.multi` list at the end of the event loop's turn, or as soon as `bufferLimit` are waiting.
 * While a list is being published the next one collects (up to `bufferLimit`) and goes out when
 * that publish is done: a busy worker sends fewer, fuller lists, an idle one sends each turn's.
 * Events are best effort, as in Celery: a publish that fails is logged and dropped.
 */
import type { Broker, Clock, Logger } from '@celerity/core';
import type { Envelope } from '@celerity/core';
import { EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, encodeEventsBytes, encodeEventsJson, eventRoutingKey, utcOffsetHours } from '@celerity/core/internal';
import { JsonListBytes } from './json-list.js';
import { jsonString } from './json-text.js';

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

/** A task event type with the end of its JSON written once (see {@link bufferedType}). */
export interface BufferedType {
  readonly type: string;
  /** `,"type":"task-started"}`: what follows the timestamp. */
  readonly tail: string;
}

/** The {@link BufferedType} of `type`; make it once, send with it many times. */
export function bufferedType(type: string): BufferedType {
  return { type, tail: `,"type":${jsonString(type)}}` };
}

/** Sends events; see the module comment. */
export interface EventDispatcher {
  /** Publishes one event now (worker events). */
  send(type: string, fields: Record<string, unknown>): Promise<void>;
  /** Buffers a task event; it goes out with the others of this turn in one `task.multi` list. */
  sendBuffered(type: string, fields: Record<string, unknown>): void;
  /**
   * {@link sendBuffered} with the type's fields already written as the members of a JSON object
   * (`"uuid":"…","result":"5"`, without braces or a leading comma; never empty), for the events
   * of every task.
   */
  sendBufferedJson(type: BufferedType, members: string): void;
  /** Publishes what is buffered and waits for every publish in flight. */
  flush(): Promise<void>;
  /** Advances the Lamport clock the events carry and returns it (Celery's `app.clock.forward()`). */
  forwardClock(): number;
  /** The Lamport clock's value now (Celery's `app.clock.value`). */
  clockValue(): number;
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
  // Events are written as JSON text as they come (Celery's field order) and added to the text of
  // the next list: a busy worker sends three per task, and building objects to stringify later
  // costs more.
  const buffer = new JsonListBytes();
  let scheduled = false;
  let listInFlight = false;
  let warned = false;
  const inFlight = new Set<Promise<void>>();
  const types = new Map<string, BufferedType>();

  // The UTC offset changes twice a year at most: read it once a minute, not per event. The
  // timestamp's text is kept for the millisecond it was made in: a busy worker sends dozens of
  // events per millisecond, and writing a number as text costs more than the rest of its event.
  let head = '';
  let offsetReadAt = -Infinity;
  let stampedAt = Number.NaN;
  let stamp = '';
  const open = (now: number): string => {
    if (now - offsetReadAt >= 60_000 || now < offsetReadAt) {
      head = `{"hostname":${jsonString(hostname)},"utcoffset":${utcOffsetHours(new Date(now))},"pid":${pid},"clock":`;
      offsetReadAt = now;
    }
    return head;
  };
  const close = (now: number): string => {
    if (now !== stampedAt) {
      stampedAt = now;
      stamp = `,"timestamp":${now / 1000}`;
    }
    return stamp;
  };

  // Field order as Celery's Event(): common fields, the type's own, then timestamp and type.
  const write = (type: BufferedType, members: string): string => {
    const now = clock.now();
    return `${open(now)}${++lamport},${members}${close(now)}${type.tail}`;
  };
  const typeOf = (type: string): BufferedType => {
    let known = types.get(type);
    if (known === undefined) {
      known = bufferedType(type);
      types.set(type, known);
    }
    return known;
  };
  const writeFields = (type: string, fields: Record<string, unknown>): string => {
    const members = membersOf(fields);
    if (members !== '') return write(typeOf(type), members);
    const now = clock.now();
    return `${open(now)}${++lamport}${close(now)}${typeOf(type).tail}`;
  };

  const publish = (routingKey: string, envelope: Envelope): Promise<void> => {
    const sent = broker.broadcast(EVENT_EXCHANGE, routingKey, envelope).catch((error: unknown) => {
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
    if (buffer.count === 0) return;
    listInFlight = true;
    void publish(TASK_BATCH_ROUTING_KEY, encodeEventsBytes(buffer.take(), hostname)).then(afterList);
  };
  // What collected while a list was on its way goes out now.
  const afterList = (): void => {
    listInFlight = false;
    if (!scheduled) flushBuffer();
  };

  const enqueue = (event: string): void => {
    buffer.add(event);
    if (buffer.count >= bufferLimit) flushBuffer();
    else if (!scheduled && !listInFlight) {
      scheduled = true;
      setImmediate(flushBuffer);
    }
  };

  return {
    send(type, fields) {
      return publish(eventRoutingKey(type), encodeEventsJson(writeFields(type, fields), hostname));
    },
    sendBuffered(type, fields) {
      enqueue(writeFields(type, fields));
    },
    sendBufferedJson(type, members) {
      enqueue(write(type, members));
    },
    async flush() {
      flushBuffer();
      await Promise.all([...inFlight]);
    },
    forwardClock: () => ++lamport,
    clockValue: () => lamport,
  };
}
