/**
 * @celerity/broker-redis — a Celerity broker on Redis with kombu's Redis transport layout, byte for
 * byte, so Python Celery 5.2–5.6 workers and clients share its queues.
 */
export { createRedisBroker } from './redis-broker.js';
export type { RedisBroker } from './redis-broker.js';
export type { RedisBrokerOptions } from './options.js';
export { brokerAdapter } from './adapter.js';
export { encodeKombuEnvelope, decodeKombuEnvelope } from './envelope.js';
export type { KombuEnvelopeTarget, DecodedKombuEnvelope } from './envelope.js';
export { priorityQueueKey, PRIORITY_STEPS, KOMBU_SEP } from './keys.js';
export { parseRedisUrl } from './url.js';
export type { RedisUrlOptions } from './url.js';
