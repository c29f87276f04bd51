/**
 * What the rpc:// backend borrows from an AMQP broker it is attached to: the connection (no second
 * TCP connection), the confirming publisher, the reply routes noted from deliveries, and a hook on
 * publishes. Kept in a WeakMap so none of it shows on the public `AmqpBroker` type.
 */
import type { Envelope, Logger } from '@celerity/core';
import type { AmqpConnection } from './connection.js';
import type { Publisher } from './publisher.js';
import type { ReplyRoutes } from './reply-routes.js';

/** Called for every envelope about to be published; a returned promise delays the publish. */
export type PublishHook = (envelope: Envelope) => Promise<void> | undefined;

/** The parts of a broker an rpc:// backend uses. */
export interface AmqpBrokerInternals {
  readonly connection: AmqpConnection;
  readonly publisher: Publisher;
  readonly routes: ReplyRoutes;
  readonly logger: Logger;
  readonly publishTimeout: number;
  /** Adds a hook run before each publish; returns its removal. */
  addPublishHook(hook: PublishHook): () => void;
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
