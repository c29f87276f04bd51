/**
 * @celerity/broker-amqp — a Celerity broker on RabbitMQ (AMQP 0-9-1) with Celery's topology,
 * message properties and header types, interoperable with Python Celery 5.2–5.6; and Celery's
 * `rpc://` result backend, which sends results back over RabbitMQ.
 *
 * The public API, by name. The codec, URL, topology and error-mapping helpers are internal to the
 * package (its tests import them from `src/` directly); nothing outside it uses them.
 */
export { createAmqpBroker } from './amqp-broker.js';
export type { AmqpBroker } from './amqp-broker.js';
export type { AmqpBrokerOptions } from './options.js';
export type { AmqpSslSettings } from './ssl.js';
export type { ExchangeSpec } from './topology.js';
export { createRpcBackend } from './rpc-backend.js';
export type { RpcBackend } from './rpc-backend.js';
export type { RpcBackendOptions } from './rpc-options.js';
export { brokerAdapter, backendAdapter } from './adapter.js';
export { AmqpChannelError, PublishNackedError } from './errors.js';
