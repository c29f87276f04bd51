/** Which servers the repository's tests use: the shared ones, or the matrix's from the environment. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testAmqpUrl, testRedisAddress, testRedisUrl } from '../src/internal.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('testRedisUrl / testRedisAddress', () => {
  it('are the shared server on 127.0.0.1:6379 when CELERITY_TEST_REDIS_URL is unset or empty', () => {
    vi.stubEnv('CELERITY_TEST_REDIS_URL', '');
    expect(testRedisUrl()).toBe('redis://127.0.0.1:6379/0');
    expect(testRedisUrl(7)).toBe('redis://127.0.0.1:6379/7');
    expect(testRedisAddress()).toEqual({ host: '127.0.0.1', port: 6379 });
  });

  it("are the matrix's server when it is set, the database always the caller's", () => {
    vi.stubEnv('CELERITY_TEST_REDIS_URL', 'redis://127.0.0.1:40123');
    expect(testRedisUrl()).toBe('redis://127.0.0.1:40123/0');
    expect(testRedisUrl(3)).toBe('redis://127.0.0.1:40123/3');
    expect(testRedisAddress()).toEqual({ host: '127.0.0.1', port: 40123 });
    vi.stubEnv('CELERITY_TEST_REDIS_URL', 'redis://127.0.0.1:40123/5');
    expect(testRedisUrl(2)).toBe('redis://127.0.0.1:40123/2');
    vi.stubEnv('CELERITY_TEST_REDIS_URL', 'redis://localhost:40123/');
    expect(testRedisUrl()).toBe('redis://localhost:40123/0');
  });
});

describe('testAmqpUrl', () => {
  it('is undefined (the shared server, a vhost per file) unless CELERITY_TEST_AMQP_URL is set', () => {
    vi.stubEnv('CELERITY_TEST_AMQP_URL', '');
    expect(testAmqpUrl()).toBeUndefined();
    vi.stubEnv('CELERITY_TEST_AMQP_URL', 'amqp://guest:guest@127.0.0.1:40124//');
    expect(testAmqpUrl()).toBe('amqp://guest:guest@127.0.0.1:40124//');
  });
});
