/**
 * @celerity/broker-redis — a Celerity broker on Redis with kombu's Redis transport layout, byte for
 * byte, so Python Celery 5.2–5.6 workers and clients share its queues.
 */
export { createRedisBroker } from './redis-broker.js';
export type { RedisBroker } from './redis-broker.js';
export type { RedisBrokerOptions } from './options.js';
export { brokerAdapter } from './adapter.js';
export { ReplicaWaitError } from '@celerity/redis-common';
