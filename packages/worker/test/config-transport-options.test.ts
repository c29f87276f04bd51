import { describe, expect, it } from 'vitest';
import { withConfig } from '../src/config-options.js';

describe('transport options from the configuration', () => {
  it('become brokerOptions / backendOptions, beneath the explicit ones key by key', () => {
    const merged = withConfig({
      tasks: [],
      config: { brokerTransportOptions: { master_name: 'm', visibility_timeout: 10 }, resultBackendTransportOptions: { master_name: 'r' } },
      brokerOptions: { visibility_timeout: 20 },
    });
    expect(merged.brokerOptions).toEqual({ master_name: 'm', visibility_timeout: 20 });
    expect(merged.backendOptions).toEqual({ master_name: 'r' });
  });

  it("passes brokerUseSsl / redisBackendUseSsl as the adapters' broker_use_ssl / redis_backend_use_ssl options, beside the transport options", () => {
    const merged = withConfig({
      tasks: [],
      config: { brokerTransportOptions: { visibility_timeout: 10 }, brokerUseSsl: { ca_certs: '/ca.pem' }, redisBackendUseSsl: true },
      backendOptions: { keyPrefix: 'p' },
    });
    expect(merged.brokerOptions).toEqual({ visibility_timeout: 10, broker_use_ssl: { ca_certs: '/ca.pem' } });
    expect(merged.backendOptions).toEqual({ redis_backend_use_ssl: true, keyPrefix: 'p' });
  });

  it('lets explicit adapter options win over the TLS settings, and passes nothing when they are unset', () => {
    const explicit = withConfig({ tasks: [],
      config: { brokerUseSsl: true }, brokerOptions: { broker_use_ssl: { cert_reqs: 'none' } } });
    expect(explicit.brokerOptions).toEqual({ broker_use_ssl: { cert_reqs: 'none' } });
    // An explicit `ssl` (our name) hides the setting too, whichever name an adapter prefers.
    const ours = withConfig({ tasks: [], config: { brokerUseSsl: true, redisBackendUseSsl: true }, brokerOptions: { ssl: false }, backendOptions: { ssl: false } });
    expect(ours.brokerOptions).toEqual({ ssl: false });
    expect(ours.backendOptions).toEqual({ ssl: false });
    const unset = withConfig({ tasks: [],
      config: { taskDefaultQueue: 'q' } });
    expect(unset.brokerOptions).toBeUndefined();
    expect(unset.backendOptions).toBeUndefined();
  });
});
