/**
 * The ETA hold limit: the worker never holds a delivery unacked for longer than this where the
 * broker can delay messages itself (`Broker.publishDelayed`, AMQP). RabbitMQ closes a channel whose
 * delivery stays unacked past its `consumer_timeout` (30 min by default), which gives back every
 * message the channel held, held ETA tasks and running ones alike, and so runs them again. A task
 * whose ETA is further away than the limit goes back to the broker instead: republished with its
 * ETA into the broker's delay, confirmed, and only then acked. It comes back shortly before its
 * ETA and is held the rest of the way (or delayed again if it is still far). Without
 * `publishDelayed` (memory, Redis) every ETA task is held, as before.
 */
import type { Broker, Clock, Logger } from '@celerity/core';
import { ConfigurationError } from '@celerity/core';
import type { Job } from './delivery-pipeline.js';
import type { EtaScheduler } from './eta-scheduler.js';

/**
 * Seconds a worker holds an ETA task at most by default: half of RabbitMQ's default
 * `consumer_timeout` (30 min), leaving the other half for the task's run after its ETA (with
 * `acksLate` the delivery stays unacked while it runs) and for RabbitMQ checking the timeout only
 * now and then. ETA tasks due within 15 min behave exactly as before: held, with no trip through
 * the broker.
 */
export const DEFAULT_ETA_HOLD_LIMIT = 15 * 60;

/** The shortest delay a broker takes (AMQP counts them in whole seconds). */
export const MIN_BROKER_DELAY_MS = 1000;

/**
 * How long before its ETA a delayed message is due back. The broker cuts delays to whole seconds
 * and passing the delay queues takes a little time: coming back early and being held the last
 * seconds keeps the ETA as exact as holding it all along.
 */
export const RETURN_LEAD_MS = 2000;

/**
 * Checks `etaHoldLimit` (seconds; 0 or `Infinity` = no limit) and returns it in milliseconds,
 * `Infinity` for none; throws `ConfigurationError`.
 * @example checkEtaHoldLimit(undefined) // 900000
 */
export function checkEtaHoldLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_ETA_HOLD_LIMIT * 1000;
  if (limit === 0 || limit === Infinity) return Infinity;
  if (!(typeof limit === 'number' && Number.isFinite(limit) && limit >= 1)) throw new ConfigurationError(`etaHoldLimit must be a number of seconds ≥ 1, or 0 / Infinity for no limit; got ${String(limit)}`);
  return limit * 1000;
}

/**
 * The delay to hand a task to the broker for, in milliseconds, or `undefined` to hold it: its ETA
 * is within the limit, or so close that the broker could not bring it back any sooner.
 * @param limit ms, from {@link checkEtaHoldLimit}
 * @example brokerDelay(now + 3_600_000, now, 900_000) // 3_598_000
 */
export function brokerDelay(eta: number, now: number, limit: number): number | undefined {
  const wait = eta - now;
  if (wait <= limit) return undefined;
  const delay = wait - Math.min(RETURN_LEAD_MS, limit / 2);
  return delay >= MIN_BROKER_DELAY_MS ? delay : undefined;
}

/**
 * How long a stop waits, at most, for the tasks still on their way to the broker's delay (ms). Each
 * is settled once the broker answered: acked (the delayed copy is safe) or given back. Closing the
 * broker before that could lose the ack of a copy the broker took, and the task would run twice.
 * An AMQP publish gives up after its `publishTimeout` (10 s by default), so this is rarely reached.
 */
export const HAND_OFF_STOP_WAIT_MS = 30_000;

/** The ETA scheduler with a limit: {@link EtaScheduler}, and a way to wait for the hand-offs. */
export interface EtaHoldScheduler extends EtaScheduler<Job> {
  /**
   * Resolves once no task is on its way to the broker's delay, or after
   * {@link HAND_OFF_STOP_WAIT_MS} on the clock (logging how many were still on their way).
   */
  handOffsSettled(): Promise<void>;
}

/** Options of {@link limitEtaHold}. */
export interface EtaHoldLimitOptions {
  /** Where the tasks within the limit (and those the broker could not take) are held. */
  scheduler: EtaScheduler<Job>;
  broker: Broker;
  /** Milliseconds, from {@link checkEtaHoldLimit}. */
  limit: number;
  clock: Clock;
  logger: Logger;
  /** Called when the number of tasks on their way to the broker's delay changes (they are unacked too). */
  changed?(): void;
  /** Called when a task left for the broker's delay (the worker may have become idle). */
  left(): void;
}

/**
 * Wraps the ETA scheduler: `hold` sends tasks beyond the limit to the broker's delay, the rest to
 * `scheduler`. `size` counts both, the ones still on their way included (unacked, so in the prefetch
 * window, and the worker is not idle until they are settled). When the broker refuses a copy (say
 * its delay queues cannot be declared), the task is held instead: the first refusal for a queue is
 * a warning, the next ones for that queue are debug lines, until a hand-off to it succeeds again.
 * @example
 * const scheduler = limitEtaHold({ scheduler: createEtaScheduler({ clock, due }), broker, limit: checkEtaHoldLimit(900), clock, logger, left });
 */
export function limitEtaHold(options: EtaHoldLimitOptions): EtaHoldScheduler {
  const { scheduler, broker, limit, clock, logger, changed, left } = options;
  if (broker.publishDelayed === undefined || limit === Infinity) {
    return {
      hold: (job, eta) => scheduler.hold(job, eta),
      get size() {
        return scheduler.size;
      },
      items: () => scheduler.items(),
      drop: (match) => scheduler.drop(match),
      releaseAll: () => scheduler.releaseAll(),
      handOffsSettled: () => Promise.resolve(),
    };
  }
  const publishDelayed = broker.publishDelayed.bind(broker);
  const sending = new Set<Job>();
  // Released by a stop while on their way: if the broker refuses them they go back to the queue.
  const released = new Set<Job>();
  // Queues whose last hand-off was refused and logged as a warning: one warning per outage, not per task.
  const refusedQueues = new Set<string>();
  let drainWaiters: Array<() => void> = [];

  const settled = (job: Job): void => {
    sending.delete(job);
    released.delete(job);
    changed?.();
    if (sending.size > 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const logRefusal = (job: Job, error: Error): void => {
    const { message, delivery } = job;
    if (refusedQueues.has(delivery.queue)) {
      logger.debug(`Could not hand ${message.task}[${message.id}] to the broker until its ETA, holding it instead: ${error.message}`, { error });
      return;
    }
    refusedQueues.add(delivery.queue);
    logger.warn(
      `Could not hand ${message.task}[${message.id}] to the broker until its ETA, holding it instead: ${error.message} (further ETA tasks of queue ${delivery.queue} the broker refuses are held and logged at debug level, until one is handed over again)`,
      { error },
    );
  };

  const send = async (job: Job, eta: number, delay: number): Promise<void> => {
    const { message, delivery } = job;
    try {
      await publishDelayed(delivery.queue, delivery.envelope, delay);
    } catch (error) {
      const wasReleased = released.has(job);
      settled(job);
      if (wasReleased) {
        await delivery.reject({ requeue: true }).catch(() => undefined);
        left();
        return;
      }
      logRefusal(job, error as Error);
      scheduler.hold(job, eta);
      return;
    }
    refusedQueues.delete(delivery.queue);
    try {
      await delivery.ack();
      logger.debug(`Task ${message.task}[${message.id}] handed to the broker for ${Math.floor(delay / 1000)} s (ETA ${new Date(eta).toISOString()})`);
    } catch (error) {
      // The delayed copy is safe with the broker; the original comes back too, as after any lost ack.
      logger.warn(`Task ${message.task}[${message.id}] was handed to the broker until its ETA, but acking the original failed: ${(error as Error).message}`, { error });
    }
    settled(job);
    left();
  };

  return {
    hold(job, eta) {
      const delay = job.delivery.stale ? undefined : brokerDelay(eta, clock.now(), limit);
      if (delay === undefined) return scheduler.hold(job, eta);
      sending.add(job);
      changed?.();
      void send(job, eta, delay);
    },
    get size() {
      return scheduler.size + sending.size;
    },
    // Those on their way to the broker's delay are no longer this worker's to list.
    items: () => scheduler.items(),
    // A task on its way to the broker's delay comes back later and is checked then.
    drop: (match) => scheduler.drop(match),
    releaseAll() {
      for (const job of sending) released.add(job);
      return scheduler.releaseAll();
    },
    async handOffsSettled() {
      if (sending.size === 0) return;
      let timer: unknown;
      const drained = new Promise<boolean>((resolve) => drainWaiters.push(() => resolve(true)));
      const timedOut = new Promise<boolean>((resolve) => {
        timer = clock.setTimeout(() => resolve(false), HAND_OFF_STOP_WAIT_MS);
      });
      const done = await Promise.race([drained, timedOut]);
      clock.clearTimeout(timer);
      if (!done) logger.warn(`${sending.size} ETA task(s) still on their way to the broker's delay after ${HAND_OFF_STOP_WAIT_MS / 1000} s; going on without their answer (a task the broker took may run twice)`);
    },
  };
}
