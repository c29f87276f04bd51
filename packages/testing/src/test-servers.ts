/**
 * Which Redis and RabbitMQ this repository's integration and interop tests talk to: the shared
 * servers on loopback (Redis 6379, RabbitMQ 5672), or the servers of the version matrix
 * (scripts/matrix.sh starts Redis 8.0, Valkey 8.1 and RabbitMQ 4.0 and sets these variables).
 *   CELERITY_TEST_REDIS_URL   `redis://host:port` of the Redis (or Valkey) to use, without a database
 *   CELERITY_TEST_AMQP_URL    `amqp://user:password@host:port/vhost` of a private RabbitMQ node
 */

const SHARED_REDIS = 'redis://127.0.0.1:6379';

/**
 * `redis://host:port/<db>` on the test Redis: `CELERITY_TEST_REDIS_URL` when set, else the shared
 * server on 127.0.0.1:6379.
 * @example
 * const url = testRedisUrl(0); // 'redis://127.0.0.1:6379/0'
 */
export function testRedisUrl(db = 0): string {
  const base = process.env['CELERITY_TEST_REDIS_URL'] || SHARED_REDIS;
  // A trailing slash or database in the variable would make `…/0/0`; the caller picks the database.
  return `${base.replace(/\/\d*$/, '')}/${db}`;
}

/** Host and port of {@link testRedisUrl}'s server, for clients configured by fields. */
export function testRedisAddress(): { host: string; port: number } {
  const url = new URL(testRedisUrl());
  return { host: url.hostname, port: url.port === '' ? 6379 : Number(url.port) };
}

/**
 * The private RabbitMQ node of a matrix run (`CELERITY_TEST_AMQP_URL`), or undefined for the shared
 * server, where tests make a vhost of their own with `rabbitmqctl`. The matrix's node is the run's
 * alone and deleted afterwards, so tests use its vhost as it is.
 */
export function testAmqpUrl(): string | undefined {
  return process.env['CELERITY_TEST_AMQP_URL'] || undefined;
}
