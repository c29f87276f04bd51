import { describe, expect, it } from 'vitest';
import { CelerityError, ConfigurationError, ConnectionError, createBrokerFromUrl } from '@celerity/core';
import { brokerAdapter, createRedisBroker } from '../src/index.js';
import { optionsFromSettings, resolveOptions } from '../src/options.js';
import { toBrokerError } from '../src/redis-errors.js';

describe('options', () => {
  it('applies kombu defaults', () => {
    expect(resolveOptions({})).toEqual({ keyPrefix: '', visibilityTimeout: 3600, batchSize: 100, pollInterval: 1, restoreInterval: 10, publishTimeout: 10_000, sentinel: {} });
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

  it('reads the Sentinel and replica-wait options under both names', () => {
    expect(optionsFromSettings({ master_name: 'm', sentinel_kwargs: { password: 'sp' }, wait_replicas: 1, wait_replicas_timeout: 200 })).toEqual({
      masterName: 'm',
      sentinelPassword: 'sp',
      waitReplicas: 1,
      waitReplicasTimeout: 200,
    });
    expect(optionsFromSettings({ masterName: 'm', sentinelUsername: 'su', waitReplicas: 2, waitReplicasTimeout: 50 })).toEqual({
      masterName: 'm',
      sentinelUsername: 'su',
      waitReplicas: 2,
      waitReplicasTimeout: 50,
    });
    expect(resolveOptions({ masterName: 'm', sentinelPassword: 'sp', waitReplicas: 1 })).toMatchObject({ sentinel: { masterName: 'm', sentinelPassword: 'sp' }, waitReplicas: { replicas: 1, timeout: 1000 } });
    expect(() => optionsFromSettings({ wait_replicas: '1' })).toThrow(ConfigurationError);
    expect(() => createRedisBroker({ waitReplicas: -1 })).toThrow(ConfigurationError);
    expect(() => createRedisBroker({ url: 'sentinel://127.0.0.1:1' })).toThrow(/master_name/);
  });
});

describe('brokerAdapter', () => {
  it('serves redis:// and rediss:// through the core registry', async () => {
    const broker = createBrokerFromUrl('redis://127.0.0.1:1/4', { adapters: [brokerAdapter], options: { keyPrefix: 'p:' } });
    expect(broker.transport).toBe('redis');
    expect(broker.capabilities).toEqual({ priorityOrder: 'low-first', broadcast: true, deadLetters: true });
    expect(brokerAdapter.schemes).toEqual(['redis', 'rediss', 'sentinel', 'rediscluster']);
    expect((broker as ReturnType<typeof createRedisBroker>).db).toBe(4);
    expect((broker as ReturnType<typeof createRedisBroker>).keyPrefix).toBe('p:');
    await broker.close(); // never connected: nothing to do
  });
});

describe('error mapping', () => {
  // The classification itself is tested in @celerity/redis-common; this is the broker's naming.
  it('names the broker and uses BROKER_ERROR for errors a retry will not fix', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const mapped = toBrokerError(refused, 'publish');
    expect(mapped).toBeInstanceOf(ConnectionError);
    expect(mapped.retryable).toBe(true);
    expect(mapped.cause).toBe(refused);
    expect(mapped.message).toBe('Redis broker: publish failed: connect ECONNREFUSED 127.0.0.1:1');
    const other = toBrokerError(new Error('WRONGTYPE Operation against a key'), 'publish');
    expect(other).toBeInstanceOf(CelerityError);
    expect(other.code).toBe('BROKER_ERROR');
    expect(other.retryable).toBe(false);
  });
});

describe('broker_use_ssl', () => {
  it('is read from the settings bag as broker_use_ssl or ssl, an object or a boolean', () => {
    expect(optionsFromSettings({ broker_use_ssl: { ssl_ca_certs: '/ca.pem' } })).toEqual({ ssl: { ssl_ca_certs: '/ca.pem' } });
    expect(optionsFromSettings({ ssl: true })).toEqual({ ssl: true });
    expect(() => optionsFromSettings({ broker_use_ssl: 'yes' })).toThrow('Redis broker option broker_use_ssl must be an object or a boolean');
  });
});
