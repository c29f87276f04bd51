/**
 * A worker's events side (Celery's `Events` bootstep and `Heart`): task events while switched on
 * (`eventsEnabled`, the `enable_events` / `disable_events` control commands), and, whether task
 * events are on or not, `worker-online` at start, a `worker-heartbeat` every `freq` seconds with
 * Celery's fields, and `worker-offline` at stop, unless `withoutHeartbeat` (Celery's
 * `--without-heartbeat`, which leaves out all three).
 */
import { loadavg, type as osType } from 'node:os';
import type { Broker, Clock, Logger } from '@celerity/core';
import { CELERITY_VERSION } from '../package-version.js';
import { createEventDispatcher } from './event-dispatcher.js';
import { TaskEvents } from './task-events.js';


/** Options of {@link createWorkerEvents}. */
export interface WorkerEventsOptions {
  broker: Broker;
  hostname: string;
  clock: Clock;
  logger: Logger;
  /** Whether task events are on from the start. */
  enabled: boolean;
  /** Sends no `worker-online`, `worker-heartbeat` or `worker-offline`. @default false */
  withoutHeartbeat?: boolean;
  /** Seconds between heartbeats (Celery's `freq`). @default 2 */
  heartbeatInterval?: number;
  /** Live counts for the heartbeat: tasks running now and tasks run so far. */
  stats: { readonly active: number; readonly processed: number };
}

/** See the module comment. */
export interface WorkerEvents {
  readonly tasks: TaskEvents;
  /** Called once the worker consumes: sends `worker-online` and starts heartbeats (unless `withoutHeartbeat`). */
  start(): Promise<void>;
  /** Sends what is buffered, then `worker-offline` if heartbeats were sent. */
  stop(): Promise<void>;
  /**
   * Sends a `worker-heartbeat` now, as Celery's `heartbeat` control command does: `freq` 5 and the
   * software fields only (no counts, no load). Nothing when the broker has no broadcast.
   */
  heartbeatNow(): void;
  /** Advances the worker's Lamport clock (the one its events carry) and returns it, as Celery's `clock` command. */
  forwardClock(): number;
  /** The worker's Lamport clock now, without advancing it (`inspect stats`' `clock`). */
  clockValue(): number;
  /** Switches task events on; false when they already were. */
  enable(): boolean;
  /** Switches task events off; false when they already were. */
  disable(): boolean;
}

// Each value rounded to 2 places, as Celery's load_average().
const roundedLoad = (): number[] => loadavg().map((value) => Math.round(value * 100) / 100);

/** How long stop waits for `worker-offline` to go out before closing anyway. */
const OFFLINE_TIMEOUT = 2000;

/**
 * @example
 * const events = createWorkerEvents({ broker, hostname, clock, logger, enabled: true, stats });
 * await events.start();
 */
export function createWorkerEvents(options: WorkerEventsOptions): WorkerEvents {
  const { broker, hostname, clock, logger, stats } = options;
  const freq = options.heartbeatInterval ?? 2;
  const heart = options.withoutHeartbeat !== true;
  const dispatcher = createEventDispatcher({ broker, hostname, clock, logger });
  const tasks = new TaskEvents(dispatcher, options.enabled);
  let started = false;
  let beating = false;
  let timer: unknown;

  const workerFields = (): Record<string, unknown> => ({
    freq,
    active: stats.active,
    processed: stats.processed,
    loadavg: roundedLoad(),
    sw_ident: 'celerity',
    sw_ver: CELERITY_VERSION,
    sw_sys: osType(),
  });

  const beat = (): void => {
    timer = clock.setTimeout(beat, freq * 1000);
    void dispatcher.send('worker-heartbeat', workerFields());
  };

  const startHeart = (): void => {
    if (beating || !broker.capabilities.broadcast) return;
    beating = true;
    void dispatcher.send('worker-online', workerFields());
    timer = clock.setTimeout(beat, freq * 1000);
  };

  return {
    tasks,
    async start() {
      started = true;
      if (heart) startHeart();
    },
    async stop() {
      if (!started) return;
      started = false;
      tasks.on = false;
      clock.clearTimeout(timer);
      const wasBeating = beating;
      beating = false;
      // Task events first, then worker-offline.
      const sent = dispatcher.flush().then(() => (wasBeating ? dispatcher.send('worker-offline', workerFields()) : undefined));
      // A broker that cannot be reached must not hold the stop up for long.
      let expire: unknown;
      const expired = new Promise<void>((resolve) => (expire = clock.setTimeout(resolve, OFFLINE_TIMEOUT)));
      await Promise.race([sent, expired]);
      clock.clearTimeout(expire);
    },
    forwardClock: () => dispatcher.forwardClock(),
    clockValue: () => dispatcher.clockValue(),
    heartbeatNow() {
      if (!broker.capabilities.broadcast) return;
      void dispatcher.send('worker-heartbeat', { freq: 5, sw_ident: 'celerity', sw_ver: CELERITY_VERSION, sw_sys: osType() });
    },
    enable() {
      if (tasks.on) return false;
      tasks.on = true;
      logger.info('Events of group {task} enabled by remote.');
      return true;
    },
    disable() {
      if (!tasks.on) return false;
      tasks.on = false;
      logger.info('Events of group {task} disabled by remote.');
      return true;
    },
  };
}
