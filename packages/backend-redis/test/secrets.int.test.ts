// Issue 11: no password in an error message or a log line of the Redis result backend: bad URLs
// (at creation and through the URL registry), a port where nothing listens, and a wrong password
// against a private redis-server started with requirepass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, ConnectionError, createBackendFromUrl } from '@celerity/core';
import type { ResultMeta } from '@celerity/core';
import { badSecretUrls, createCapturingLogger, expectFailureWithoutSecret, expectNoSecret, freePort, secretUrls, startRedisServer } from '@celerity/testing';
import type { RedisServer } from '@celerity/testing';
import { backendAdapter, createRedisBackend } from '../src/index.js';

const meta: ResultMeta = { status: 'SUCCESS', result: 1, traceback: null, children: [], date_done: null, task_id: 'secret-test' };

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer({ password: 'the-right-one' });
});
afterAll(() => server.stop());

describe('no password in errors or logs: @celerity/backend-redis', () => {
  it.each(badSecretUrls('redis'))('createRedisBackend and createBackendFromUrl refuse %s without showing it', async (url) => {
    expect(await expectFailureWithoutSecret(() => createRedisBackend({ url }), 'createRedisBackend')).toBeInstanceOf(ConfigurationError);
    expect(await expectFailureWithoutSecret(() => createBackendFromUrl(url, { adapters: [backendAdapter] }), 'createBackendFromUrl')).toBeInstanceOf(ConfigurationError);
  });

  it.each([
    ['a port where nothing listens', async () => freePort(), ConnectionError],
    ['a wrong password', async () => server.port, ConfigurationError],
  ] as const)('%s: connect and store fail without showing it', async (_what, port, connectError) => {
    for (const url of secretUrls('redis', '127.0.0.1', await port(), '/0')) {
      const logger = createCapturingLogger();
      const backend = createRedisBackend({ url, logger, redisOptions: { maxRetriesPerRequest: 0 } });
      try {
        expect(await expectFailureWithoutSecret(() => backend.connect(), `connect to ${url}`)).toBeInstanceOf(connectError);
        await expectFailureWithoutSecret(() => backend.store(meta), `store to ${url}`);
        expect(logger.lines.length).toBeGreaterThan(0);
        expectNoSecret(logger.lines, 'log lines');
      } finally {
        await backend.close();
      }
    }
  });
});
