/** Celery's `broker_use_ssl` / `redis_backend_use_ssl` settings: from code, and from the environment as `true` / `false` or JSON. */
import { describe, expect, it } from 'vitest';
import { ConfigurationError, configEnvName, defineConfig, loadConfig } from '@celerity/core';

function thrown(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('brokerUseSsl and redisBackendUseSsl', () => {
  it('take true, false or an object of TLS options in code', () => {
    const config = defineConfig({ brokerUseSsl: { ca_certs: '/ca.pem', cert_reqs: 'required' }, redisBackendUseSsl: true });
    expect(config.brokerUseSsl).toEqual({ ca_certs: '/ca.pem', cert_reqs: 'required' });
    expect(config.redisBackendUseSsl).toBe(true);
    expect(defineConfig({ brokerUseSsl: false }).brokerUseSsl).toBe(false);
    expect(thrown(() => defineConfig({ brokerUseSsl: 'yes' as never })).message).toContain('Invalid setting brokerUseSsl: expected true, false or an object of TLS options');
    expect(thrown(() => defineConfig({ redisBackendUseSsl: ['/ca.pem'] as never })).message).toContain('redisBackendUseSsl');
    expect(thrown(() => defineConfig({ broker_use_ssl: true } as never)).message).toContain('did you mean brokerUseSsl?');
  });

  it('are read from CELERITY_BROKER_USE_SSL / CELERITY_REDIS_BACKEND_USE_SSL as booleans or JSON objects', () => {
    expect(configEnvName('brokerUseSsl')).toBe('CELERITY_BROKER_USE_SSL');
    expect(configEnvName('redisBackendUseSsl')).toBe('CELERITY_REDIS_BACKEND_USE_SSL');
    const objects = loadConfig({ env: { CELERITY_BROKER_USE_SSL: '{"ca_certs": "/ca.pem"}', CELERITY_REDIS_BACKEND_USE_SSL: ' {"ssl_cert_reqs": "none"} ' } });
    expect(objects.brokerUseSsl).toEqual({ ca_certs: '/ca.pem' });
    expect(objects.redisBackendUseSsl).toEqual({ ssl_cert_reqs: 'none' });
    expect(loadConfig({ env: { CELERITY_BROKER_USE_SSL: 'true', CELERITY_REDIS_BACKEND_USE_SSL: 'off' } })).toEqual({ brokerUseSsl: true, redisBackendUseSsl: false });
    expect(loadConfig({ env: { CELERITY_BROKER_USE_SSL: 'True' } }).brokerUseSsl).toBe(true);
    // The variable wins over the module's setting, as for every setting.
    expect(loadConfig({ env: { CELERITY_BROKER_USE_SSL: '1' }, base: { brokerUseSsl: { ca_certs: '/a' } } }).brokerUseSsl).toBe(true);
  });

  it('name the variable of a value that is neither a boolean word nor JSON of an object', () => {
    expect(thrown(() => loadConfig({ env: { CELERITY_BROKER_USE_SSL: '{oops' } })).message).toContain('brokerUseSsl (from CELERITY_BROKER_USE_SSL): expected true, false or JSON of an object of TLS options');
    expect(thrown(() => loadConfig({ env: { CELERITY_REDIS_BACKEND_USE_SSL: '[1]' } })).message).toContain('redisBackendUseSsl (from CELERITY_REDIS_BACKEND_USE_SSL): expected true, false or an object of TLS options');
    expect(thrown(() => loadConfig({ env: { CELERITY_BROKER_USE_SSL: '"yes"' } })).message).toContain('CELERITY_BROKER_USE_SSL');
  });
});
