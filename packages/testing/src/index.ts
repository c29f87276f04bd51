/**
 * @celerity/testing — the conformance suites every broker and result backend runs (memory, Redis,
 * AMQP, and any adapter written outside this repository), plus helpers for adapter tests: random
 * names, polling, free ports and a private `redis-server`.
 */
export { runBrokerConformance } from './broker-conformance.js';
export type { BrokerConformanceOptions } from './broker-conformance.js';
export { runBackendConformance } from './backend-conformance.js';
export type { BackendConformanceOptions } from './backend-conformance.js';
export { randomSuffix, waitFor, freePort } from './helpers.js';
export type { WaitForOptions } from './helpers.js';
export { startRedisServer } from './redis-server.js';
export type { RedisServer, RedisServerOptions } from './redis-server.js';
