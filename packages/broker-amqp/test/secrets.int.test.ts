// Issue 11: no password in an error message or a log line of the AMQP broker: bad URLs (at
// creation and through the URL registry), a port where nothing listens, and a wrong password
// against the shared RabbitMQ (which refuses the login; nothing is created there).
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ConnectionError, createBrokerFromUrl } from '@celerity/core';
import { SECRET_PASSWORDS, badSecretUrls, createCapturingLogger, expectFailureWithoutSecret, expectNoSecret, freePort, secretUrls } from '@celerity/testing';
import { brokerAdapter, createAmqpBroker } from '../src/index.js';

const envelope = { body: new Uint8Array([1]), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} };

describe('no password in errors or logs: @celerity/broker-amqp', () => {
  it.each(badSecretUrls('amqp'))('createAmqpBroker and createBrokerFromUrl refuse %s without showing it', async (url) => {
    expect(await expectFailureWithoutSecret(() => createAmqpBroker({ url }), 'createAmqpBroker')).toBeInstanceOf(ConfigurationError);
    expect(await expectFailureWithoutSecret(() => createBrokerFromUrl(url, { adapters: [brokerAdapter] }), 'createBrokerFromUrl')).toBeInstanceOf(ConfigurationError);
  });

  it.each([
    ['a port where nothing listens', freePort, ConnectionError],
    ['a wrong password', async () => 5672, ConfigurationError],
  ] as const)('%s: connect and publish fail without showing it', async (_what, port, connectError) => {
    const at = await port();
    for (const url of [...secretUrls('amqp', '127.0.0.1', at, '//'), `amqp://guest:${encodeURIComponent(SECRET_PASSWORDS[1])}@127.0.0.1:${at}//`]) {
      const logger = createCapturingLogger();
      const broker = createAmqpBroker({ url, logger, publishTimeout: 1500, reconnectDelay: 50, maxReconnectDelay: 200 });
      try {
        const connect = await expectFailureWithoutSecret(() => broker.connect(), `connect to ${url}`);
        expect(connect).toBeInstanceOf(connectError);
        await expectFailureWithoutSecret(() => broker.publish({ queue: 'q' }, envelope, { timeout: 300 }), `publish to ${url}`);
        // A refused login is not logged while someone waits for the connection (the caller reports
        // it); a port where nothing listens is, at each retry.
        if (connectError === ConnectionError) expect(logger.lines.length).toBeGreaterThan(0);
        expectNoSecret(logger.lines, 'log lines');
      } finally {
        await broker.close();
      }
    }
  });
});
