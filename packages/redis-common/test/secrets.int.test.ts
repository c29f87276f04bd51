// Issue 11: no password in an error message or a log line. URLs carrying a password (with and
// without a user name, percent-encoded) go through every error path of this package: URL parsing,
// connection errors from a port where nothing listens, and a wrong password against a private
// redis-server started with requirepass.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, ConnectionError } from '@celerity/core';
import { badSecretUrls, createCapturingLogger, expectFailureWithoutSecret, expectNoSecret, freePort, secretUrls, startRedisServer } from '@celerity/testing';
import type { RedisServer } from '@celerity/testing';
import { logConnectionErrors, mapRedisError, onAuthFailure, parseRedisUrl } from '../src/internal.js';

const SOURCE = { name: 'Redis test', code: 'TEST_ERROR' };
let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer({ password: 'the-right-one' });
});
afterAll(() => server.stop());

function client(url: string): Redis {
  return new Redis({ ...parseRedisUrl(url), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
}

describe('no password in errors or logs: @celerity/redis-common', () => {
  it.each(badSecretUrls('redis'))('parseRedisUrl(%s) fails without showing it', async (url) => {
    const error = await expectFailureWithoutSecret(() => parseRedisUrl(url), 'parse error');
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('127.0.0.1');
  });

  it('connection errors from a port where nothing listens', async () => {
    const port = await freePort();
    for (const url of secretUrls('redis', '127.0.0.1', port, '/0')) {
      const logger = createCapturingLogger();
      const redis = client(url);
      logConnectionErrors(redis, logger, 'test connection', SOURCE);
      const error = await redis.connect().then(
        () => undefined,
        (cause: unknown) => mapRedisError(cause, 'connect', SOURCE),
      );
      redis.disconnect();
      expect(error).toBeInstanceOf(ConnectionError);
      expectNoSecret(error, 'connect error');
      expect(logger.lines.length).toBeGreaterThan(0);
      expectNoSecret(logger.lines, 'log lines');
    }
  });

  it('authentication errors from a server with another password', async () => {
    for (const url of secretUrls('redis', '127.0.0.1', server.port, '/0')) {
      const logger = createCapturingLogger();
      const redis = client(url);
      logConnectionErrors(redis, logger, 'test connection', SOURCE);
      const refused = new Promise<unknown>((resolve) => onAuthFailure(redis, resolve));
      redis.connect().catch(() => undefined);
      const error = mapRedisError(await refused, 'connect', SOURCE);
      const command = await redis.get('k').then(
        () => undefined,
        (cause: unknown) => mapRedisError(cause, 'get', SOURCE),
      );
      redis.disconnect();
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toMatch(/WRONGPASS/);
      expectNoSecret(error, 'auth error');
      expectNoSecret(command, 'command error');
      expect(logger.lines.some((line) => line.message.includes('WRONGPASS'))).toBe(true);
      expectNoSecret(logger.lines, 'log lines');
    }
  });
});
