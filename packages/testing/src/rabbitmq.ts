/**
 * `@celerity/testing/rabbitmq`: the private RabbitMQ node and cluster alone, without the
 * conformance suites and so without vitest — what the bench imports, compiled.
 */
export { startRabbitServer } from './rabbitmq-server.js';
export type { RabbitServer, RabbitServerOptions } from './rabbitmq-server.js';
export { startRabbitCluster } from './rabbitmq-cluster.js';
export type { RabbitCluster, RabbitClusterOptions } from './rabbitmq-cluster.js';
