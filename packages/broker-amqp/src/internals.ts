/**
 * What the rpc:// backend borrows from an AMQP broker it is attached to: the connection (no second
 * TCP connection) and the confirming publisher. Nothing per task: where a result goes comes with
 * each `store` (the request), never from what the broker saw. Kept in a WeakMap so none of it
 * shows on the public `AmqpBroker` type.
 */
import type { Logger } from '@celerity/core';
import type { AmqpConnection } from './connection.js';
import type { Publisher } from './publisher.js';

/** The parts of a broker an rpc:// backend uses. */
export interface AmqpBrokerInternals {
  readonly connection: AmqpConnection;
  readonly publisher: Publisher;
  readonly logger: Logger;
  readonly publishTimeout: number;
}

const registry = new WeakMap<object, AmqpBrokerInternals>();

/** Registers the internals of a broker created by this package. */
export function registerBrokerInternals(broker: object, internals: AmqpBrokerInternals): void {
  registry.set(broker, internals);
}

/** The internals of an AMQP broker made by this package, or undefined for any other broker. */
export function brokerInternals(broker: unknown): AmqpBrokerInternals | undefined {
  return typeof broker === 'object' && broker !== null ? registry.get(broker) : undefined;
}
