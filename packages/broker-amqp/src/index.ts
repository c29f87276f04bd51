/**
 * @celerity/broker-amqp — a Celerity broker on RabbitMQ (AMQP 0-9-1) with Celery's topology,
 * message properties and header types, interoperable with Python Celery 5.2–5.6; and Celery's
 * `rpc://` result backend, which sends results back over RabbitMQ.
 */
export { createAmqpBroker } from './amqp-broker.js';
export type { AmqpBroker } from './amqp-broker.js';
export type { AmqpBrokerOptions } from './options.js';
export { createRpcBackend } from './rpc-backend.js';
export type { RpcBackend } from './rpc-backend.js';
export type { RpcBackendOptions } from './rpc-options.js';
export { brokerAdapter, backendAdapter } from './adapter.js';
export { AmqpChannelError, PublishNackedError, mapAmqpError } from './errors.js';
export { parseAmqpUrl } from './url.js';
export type { AmqpUrlOptions } from './url.js';
export { typeFieldTable, typeFieldValue } from './header-types.js';
export { toPublishOptions, fromAmqpMessage } from './envelope.js';
export type { ToPublishOptions } from './envelope.js';
export { CELERY_EXCHANGES, resolveQueueDeclaration } from './topology.js';
export type { ExchangeSpec, ResolvedQueueDeclaration } from './topology.js';
