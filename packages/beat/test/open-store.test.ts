// openBeatStore's URL and settings checks, which fail before anything connects.
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@celerity/core';
import { openBeatStore } from '../src/index.js';

describe('openBeatStore', () => {
  it('needs master_name for a sentinel:// URL (from the transport options, as the broker reads them)', () => {
    expect(() => openBeatStore('sentinel://127.0.0.1:1')).toThrow(/'master_name' transport option must be specified/);
    expect(() => openBeatStore('sentinel://127.0.0.1:1', { transportOptions: { masterName: 1 } })).toThrow(ConfigurationError);
  });

  it('refuses bad URLs and TLS settings with a ConfigurationError', () => {
    expect(() => openBeatStore('rediscluster://127.0.0.1:7000/3')).toThrow(ConfigurationError);
    expect(() => openBeatStore('rediscluster://127.0.0.1:7000?ssl_cert_reqs=maybe')).toThrow(ConfigurationError);
    expect(() => openBeatStore('redis://127.0.0.1:6379/0', { ssl: { ssl_keyfile: '/k.pem' } })).toThrow(/ssl_keyfile needs ssl_certfile/);
    expect(() => openBeatStore('sentinel://127.0.0.1:1', { transportOptions: { master_name: 'm', sentinel_kwargs: { ssl_ca_certs: '/ca.pem' } } })).toThrow(/needs sentinel_kwargs.ssl: true/);
  });
});
