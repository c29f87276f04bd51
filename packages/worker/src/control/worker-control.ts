/**
 * The worker's control side in one handle for the lifecycle: at start the broker's durable revokes
 * are loaded (a failure is logged, not fatal) and the pidbox subscribed (once, whatever the start-up
 * retries); at stop it unsubscribes.
 */
import type { Broker, Logger, Subscription } from '@celerity/core';
import type { Revocation } from '../revocation.js';
import type { WorkerEvents } from '../events/worker-events.js';
import type { ControlCommand } from './commands.js';
import { startPidbox } from './pidbox.js';

/** Options of {@link createWorkerControl}. */
export interface WorkerControlOptions {
  broker: Broker;
  hostname: string;
  revocation: Revocation;
  /** The events side: started with the control side (worker-online), stopped before it (worker-offline). */
  events: WorkerEvents;
  commands: Readonly<Record<string, ControlCommand>>;
  /** Whether the pidbox is subscribed (durable revokes are loaded either way). */
  pidbox: boolean;
  logger: Logger;
}

export function createWorkerControl(options: WorkerControlOptions): { start(): Promise<void>; stop(): Promise<void> } {
  const { broker, hostname, revocation, events, commands, logger } = options;
  let loaded = false;
  let subscription: Subscription | null = null;
  return {
    async start() {
      if (!loaded) {
        // A store the broker cannot serve (say, a RabbitMQ without streams) must not keep the worker
        // from starting: it then knows only the revokes it hears from now on.
        await revocation.load().catch((error: unknown) => logger.warn(`Could not load the broker's durable revokes: ${(error as Error).message}`, { error }));
        loaded = true;
      }
      if (options.pidbox && subscription === null && broker.capabilities.broadcast) subscription = await startPidbox({ broker, host: { hostname, revocation, events }, commands, logger });
      await events.start();
    },
    async stop() {
      await events.stop();
      const current = subscription;
      subscription = null;
      await current?.unsubscribe();
    },
  };
}
