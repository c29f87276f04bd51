// redis_backend_use_ssl through the URL adapter: it must be an object or a boolean, and it turns
// TLS on for redis:// (the backend's connection gets tls options; nothing connects here).
import { describe, expect, it } from 'vitest';
import { ConfigurationError, createBackendFromUrl } from '@celerity/core';
import { backendAdapter } from '../src/index.js';

describe('redis_backend_use_ssl', () => {
  it('rejects a value that is neither an object nor a boolean', () => {
    expect(() => createBackendFromUrl('redis://127.0.0.1:1/0', { adapters: [backendAdapter], options: { redis_backend_use_ssl: 'on' } })).toThrow(
      new ConfigurationError('Redis result backend option redis_backend_use_ssl must be an object or a boolean'),
    );
  });

  it('is accepted as an object or true, and refuses to connect while its CA file is missing', async () => {
    for (const ssl of [true, { ssl_cert_reqs: 'none' }]) {
      const backend = createBackendFromUrl('redis://127.0.0.1:1/0', { adapters: [backendAdapter], options: { redis_backend_use_ssl: ssl } });
      await backend.close();
    }
    const backend = createBackendFromUrl('redis://127.0.0.1:1/0', { adapters: [backendAdapter], options: { ssl: { ssl_ca_certs: '/nonexistent/ca.pem' } } });
    await expect(backend.connect()).rejects.toThrow('TLS ssl_ca_certs "/nonexistent/ca.pem" cannot be read (ENOENT)');
    await backend.close();
  });
});
