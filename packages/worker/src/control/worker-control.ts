/**
 * The worker's control side in one handle for the lifecycle: at start the broker's durable revokes
 * are loaded (a failure is logged, not fatal) and the pidbox subscribed (once, whatever the start-up
 * retries); at stop it unsubscribes. Once subscribed, the worker pings its own name in the
 * background: more than one reply means another worker runs under the same name, and Celery's
 * `DuplicateNodenameWarning` is logged.
 */
import { randomUUID } from 'node:crypto';
import type { Broker, Logger, Subscription } from '@celerity/core';
import { collectControlReplies } from '@celerity/core/internal';
import type { ControlCommand, ControlHost } from './commands.js';
import type { WorkerEvents } from '../events/worker-events.js';
import { startPidbox } from './pidbox.js';

/** How long the start-up ping waits for replies, ms (Celery's `ping` default timeout is 1 s). */
export const DUPLICATE_CHECK_TIMEOUT_MS = 1000;

/** Celery's `W_DUPNODE` (celery/app/control.py), for one name. */
export function duplicateNodenameWarning(hostname: string): string {
  return `DuplicateNodenameWarning: Received multiple replies from node name: ${hostname}.\nPlease make sure you give each node a unique nodename using\nthe celery worker \`-n\` option.`;
}

/** Options of {@link createWorkerControl}. */
export interface WorkerControlOptions {
  broker: Broker;
  host: ControlHost;
  /** The events side: started with the control side (worker-online), stopped before it (worker-offline). */
  events: WorkerEvents;
  commands: Readonly<Record<string, ControlCommand>>;
  /** Whether the pidbox is subscribed (durable revokes are loaded either way). */
  pidbox: boolean;
  logger: Logger;
}

/** The control side's start / stop. */
export interface WorkerControl {
  start(): Promise<void>;
  /** Unsubscribes; a duplicate-name check still waiting for replies is cut short. */
  stop(): Promise<void>;
}

export function createWorkerControl(options: WorkerControlOptions): WorkerControl {
  const { broker, host, events, commands, logger } = options;
  const { revocation, hostname } = host;
  let loaded = false;
  let subscription: Subscription | null = null;
  let check: Promise<void> = Promise.resolve();
  const stopping = new AbortController();

  const checkDuplicate = async (): Promise<void> => {
    const request = { method: 'ping', arguments: {}, destination: [hostname], pattern: null, matcher: null };
    const replies = await collectControlReplies(broker, request, { oid: randomUUID(), timeout: DUPLICATE_CHECK_TIMEOUT_MS, limit: 2, logger, signal: stopping.signal });
    if (replies.filter((reply) => reply.hostname === hostname).length > 1) logger.warn(duplicateNodenameWarning(hostname));
  };

  return {
    async start() {
      if (!loaded) {
        // A store the broker cannot serve (say, a RabbitMQ without streams) must not keep the worker
        // from starting: it then knows only the revokes it hears from now on.
        await revocation.load().catch((error: unknown) => logger.warn(`Could not load the broker's durable revokes: ${(error as Error).message}`, { error }));
        loaded = true;
      }
      if (options.pidbox && subscription === null && broker.capabilities.broadcast) {
        subscription = await startPidbox({ broker, host, commands, logger });
        check = checkDuplicate().catch((error: unknown) => logger.debug(`The duplicate nodename check failed: ${(error as Error).message}`));
      }
      await events.start();
    },
    async stop() {
      // A stop cuts the check short rather than wait for its timeout.
      stopping.abort();
      await check;
      await events.stop();
      const current = subscription;
      subscription = null;
      await current?.unsubscribe();
    },
  };
}
