/**
 * @celerity/testing — the conformance suites every broker and result backend runs (memory, Redis,
 * AMQP, and any adapter written outside this repository), plus helpers for adapter tests: random
 * names, polling, free ports, a private `redis-server`, a private RabbitMQ node, TLS certificates
 * made at test time with a TLS `redis-server` and amqps listener, and a TCP proxy that pauses, cuts
 * and refuses connections.
 */
export { runBrokerConformance } from './broker-conformance.js';
export type { BrokerConformanceOptions } from './broker-conformance.js';
export { runBackendConformance } from './backend-conformance.js';
export type { BackendConformanceOptions } from './backend-conformance.js';
export { randomSuffix, waitFor } from './helpers.js';
export type { WaitForOptions } from './helpers.js';
export { startRedisServer, startSentinelTopology, startRedisCluster, deleteKeys, scanKeys, freePort } from './redis.js';
export type { RedisServer, RedisServerOptions, ScanClient, SentinelTopology, SentinelTopologyOptions, RedisCluster, RedisClusterNode, RedisClusterOptions } from './redis.js';
export { startRabbitServer } from './rabbitmq-server.js';
export { startRabbitCluster } from './rabbitmq-cluster.js';
export type { RabbitCluster, RabbitClusterOptions } from './rabbitmq-cluster.js';
export { startTcpProxy } from './tcp-proxy.js';
export type { TcpProxy, TcpProxyOptions } from './tcp-proxy.js';
export type { RabbitServer, RabbitServerOptions } from './rabbitmq-server.js';
export { createTestCertificates, rabbitTlsConfig, redisServerTls, startTlsRedisServer } from './tls-servers.js';
export type { RedisServerTls } from './redis-socket.js';
export type { TestCertificates, TlsRedisServer, TlsRedisServerOptions } from './tls-servers.js';
export { findPrometheus, startPrometheusServer } from './prometheus-server.js';
export type { PrometheusSample, PrometheusServer, PrometheusServerOptions } from './prometheus-server.js';
export { SECRET_TOKEN, SECRET_PASSWORDS, secretUrls, badSecretUrls, createCapturingLogger, expectNoSecret, expectFailureWithoutSecret } from './secrets.js';
export type { CapturedLine, CapturingLogger } from './secrets.js';
