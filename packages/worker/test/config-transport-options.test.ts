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
});
