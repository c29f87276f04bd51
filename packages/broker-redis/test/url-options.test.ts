import { describe, expect, it } from 'vitest';
import { CelerityError, ConfigurationError, ConnectionError, createBrokerFromUrl } from '@celerity/core';
import { brokerAdapter, createRedisBroker, parseRedisUrl } from '../src/index.js';
import { optionsFromSettings, resolveOptions } from '../src/options.js';
import { isConnectionError, mapRedisError } from '../src/redis-errors.js';

describe('parseRedisUrl', () => {
  it('reads host, port, db, credentials and TLS like kombu', () => {
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379, db: 0 });
    expect(parseRedisUrl('redis://:s%40cret@cache:6380/5')).toEqual({ host: 'cache', port: 6380, db: 5, password: 's@cret' });
    expect(parseRedisUrl('redis://user:pw@10.0.0.1/2')).toEqual({ host: '10.0.0.1', port: 6379, db: 2, username: 'user', password: 'pw' });
    expect(parseRedisUrl('rediss://h:6390/1')).toEqual({ host: 'h', port: 6390, db: 1, tls: { servername: 'h' } });
    expect(parseRedisUrl('rediss://h/0?ssl_cert_reqs=CERT_NONE').tls).toEqual({ servername: 'h', rejectUnauthorized: false });
    expect(parseRedisUrl('redis://[::1]:7000/3')).toMatchObject({ host: '::1', port: 7000, db: 3 });
  });

  it('rejects what it cannot use', () => {
    expect(() => parseRedisUrl('amqp://x')).toThrow(ConfigurationError);
    expect(() => parseRedisUrl('redis://x/notadb')).toThrow(ConfigurationError);
    expect(() => parseRedisUrl('not a url')).toThrow(ConfigurationError);
  });
});

describe('options', () => {
  it('applies kombu defaults', () => {
    expect(resolveOptions({})).toEqual({ keyPrefix: '', visibilityTimeout: 3600, batchSize: 100, pollInterval: 1, restoreInterval: 10, publishTimeout: 10_000 });
  });

  it('rejects out-of-range values', () => {
    expect(() => resolveOptions({ batchSize: 0 })).toThrow(ConfigurationError);
    expect(() => resolveOptions({ batchSize: 5000 })).toThrow(ConfigurationError);
    expect(() => resolveOptions({ batchSize: 1.5 })).toThrow(ConfigurationError);
    expect(() => resolveOptions({ visibilityTimeout: -1 })).toThrow(ConfigurationError);
    expect(() => createRedisBroker({ pollInterval: Number.NaN })).toThrow(ConfigurationError);
  });

  it('reads adapter settings under our names and kombu transport option names', () => {
    expect(optionsFromSettings({ global_keyprefix: 'app:', visibility_timeout: 7200, polling_interval: 0.5, unrelated: true })).toEqual({
      keyPrefix: 'app:',
      visibilityTimeout: 7200,
      pollInterval: 0.5,
    });
    expect(() => optionsFromSettings({ visibilityTimeout: '10' })).toThrow(ConfigurationError);
  });
});

describe('brokerAdapter', () => {
  it('serves redis:// and rediss:// through the core registry', async () => {
    const broker = createBrokerFromUrl('redis://127.0.0.1:1/4', { adapters: [brokerAdapter], options: { keyPrefix: 'p:' } });
    expect(broker.transport).toBe('redis');
    expect(broker.capabilities).toEqual({ priorityOrder: 'low-first', broadcast: true });
    expect(brokerAdapter.schemes).toEqual(['redis', 'rediss']);
    expect((broker as ReturnType<typeof createRedisBroker>).db).toBe(4);
    expect((broker as ReturnType<typeof createRedisBroker>).keyPrefix).toBe('p:');
    await broker.close(); // never connected: nothing to do
  });
});

describe('error mapping', () => {
  it('classifies connection errors as retryable ConnectionError and the rest as BROKER_ERROR', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(isConnectionError(refused)).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isConnectionError(new Error('ERR wrong number of arguments'))).toBe(false);
    const mapped = mapRedisError(refused, 'publish');
    expect(mapped).toBeInstanceOf(ConnectionError);
    expect(mapped.retryable).toBe(true);
    expect(mapped.cause).toBe(refused);
    const other = mapRedisError(new Error('WRONGTYPE Operation against a key'), 'publish');
    expect(other).toBeInstanceOf(CelerityError);
    expect(other.code).toBe('BROKER_ERROR');
    expect(other.retryable).toBe(false);
  });
});
