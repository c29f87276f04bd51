// Issue 11: no password in an error message or a log line of the Redis broker, whatever the URL
// (with and without a user name, percent-encoded, malformed) and whichever way it fails: at
// creation, through the URL registry, against a port where nothing listens, or with a wrong
// password against a private redis-server started with requirepass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, ConnectionError, createBrokerFromUrl } from '@celerity/core';
import { badSecretUrls, createCapturingLogger, expectFailureWithoutSecret, expectNoSecret, freePort, secretUrls, startRedisServer } from '@celerity/testing';
import type { RedisServer } from '@celerity/testing';
import { brokerAdapter, createRedisBroker } from '../src/index.js';
import { envelope } from './helpers.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer({ password: 'the-right-one' });
});
afterAll(() => server.stop());

/** Connects and publishes with `url`; returns both errors and the log lines, each checked. */
async function failures(url: string): Promise<{ connect: unknown; publish: unknown }> {
  const logger = createCapturingLogger();
  const broker = createRedisBroker({ url, logger, publishTimeout: 500 });
  try {
    const connect = await expectFailureWithoutSecret(() => broker.connect(), `connect to ${url}`);
    const publish = await expectFailureWithoutSecret(() => broker.publish({ queue: 'q' }, envelope('x')), `publish to ${url}`);
    expect(logger.lines.length).toBeGreaterThan(0);
    expectNoSecret(logger.lines, 'log lines');
    return { connect, publish };
  } finally {
    await broker.close();
  }
}

describe('no password in errors or logs: @celerity/broker-redis', () => {
  it.each(badSecretUrls('redis'))('createRedisBroker and createBrokerFromUrl refuse %s without showing it', async (url) => {
    expect(await expectFailureWithoutSecret(() => createRedisBroker({ url }), 'createRedisBroker')).toBeInstanceOf(ConfigurationError);
    expect(await expectFailureWithoutSecret(() => createBrokerFromUrl(url, { adapters: [brokerAdapter] }), 'createBrokerFromUrl')).toBeInstanceOf(ConfigurationError);
  });

  it('a port where nothing listens: ConnectionError', async () => {
    const port = await freePort();
    for (const url of secretUrls('redis', '127.0.0.1', port, '/0')) {
      const { connect, publish } = await failures(url);
      expect(connect).toBeInstanceOf(ConnectionError);
      expect(publish).toBeInstanceOf(ConnectionError);
    }
  });

  it('a wrong password: ConfigurationError with the server\'s reason, at once', async () => {
    for (const url of secretUrls('redis', '127.0.0.1', server.port, '/0')) {
      const { connect, publish } = await failures(url);
      expect(connect).toBeInstanceOf(ConfigurationError);
      expect((connect as Error).message).toMatch(/^Redis broker: connect failed: WRONGPASS/);
      expect(publish).toBeInstanceOf(ConfigurationError);
    }
  });
});
