// Celery's broker_use_ssl for RabbitMQ (py-amqp names) as Node TLS options, how it turns an
// amqp:// URL into TLS, and how the untyped settings bag takes it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '@celerity/core';
import { optionsFromSettings } from '../src/options.js';
import { amqpTlsOptions } from '../src/ssl.js';
import { parseAmqpUrl } from '../src/url.js';

const dir = mkdtempSync(join(tmpdir(), 'celerity-amqp-ssl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('broker_use_ssl', () => {
  it('maps cert_reqs and server_hostname; files are read when the options are read', () => {
    expect(amqpTlsOptions(undefined, undefined)).toBeUndefined();
    expect(amqpTlsOptions(false, undefined)).toBeUndefined();
    expect(amqpTlsOptions(true, undefined)).toEqual({});
    expect(amqpTlsOptions({ cert_reqs: 'CERT_NONE' }, undefined)).toEqual({ rejectUnauthorized: false });
    expect(amqpTlsOptions({ cert_reqs: 1 }, undefined)).toEqual({ rejectUnauthorized: false });
    expect(amqpTlsOptions({ cert_reqs: 2, server_hostname: 'rabbit.internal' }, undefined)).toEqual({ servername: 'rabbit.internal' });
    const ca = join(dir, 'ca.pem');
    const tls = amqpTlsOptions({ ca_certs: ca }, undefined);
    expect(() => ({ ...tls })).toThrow(`TLS ca_certs ${JSON.stringify(ca)} cannot be read (ENOENT)`);
    writeFileSync(ca, 'CA');
    expect(String(tls?.ca)).toBe('CA');
  });

  it('takes the key from keyfile or certfile, and lets Node tls options override file by file', () => {
    const cert = file('client.pem', 'CERT');
    const key = file('client.key', 'KEY');
    const both = amqpTlsOptions({ certfile: cert, keyfile: key }, undefined);
    expect([String(both?.cert), String(both?.key)]).toEqual(['CERT', 'KEY']);
    const one = amqpTlsOptions({ certfile: cert }, undefined);
    expect(String(one?.key)).toBe('CERT');
    const mixed = amqpTlsOptions({ certfile: cert, keyfile: key, cert_reqs: 'none' }, { key: 'INLINE', rejectUnauthorized: true });
    expect([String(mixed?.cert), mixed?.key, mixed?.rejectUnauthorized]).toEqual(['CERT', 'INLINE', true]);
  });

  it('rejects what it cannot use with ConfigurationError', () => {
    expect(() => amqpTlsOptions('yes' as never, undefined)).toThrow(ConfigurationError);
    expect(() => amqpTlsOptions({ cert_reqs: 'maybe' }, undefined)).toThrow('cert_reqs must be required, optional or none');
    expect(() => amqpTlsOptions({ keyfile: '/k' }, undefined)).toThrow('keyfile needs certfile');
    expect(() => amqpTlsOptions({ ca_certs: 3 } as never, undefined)).toThrow('ca_certs must be a file path');
    expect(() => amqpTlsOptions({ server_hostname: '' }, undefined)).toThrow('server_hostname must be a host name');
  });

  it('makes an amqp:// URL amqps://, on 5671 unless the URL names a port', () => {
    expect(parseAmqpUrl('amqp://h//', true)).toMatchObject({ protocol: 'amqps', port: 5671 });
    expect(parseAmqpUrl('amqp://h:5000//', true)).toMatchObject({ protocol: 'amqps', port: 5000 });
    expect(parseAmqpUrl('amqp://h//')).toMatchObject({ protocol: 'amqp', port: 5672 });
  });

  it('is read from the settings bag as broker_use_ssl or ssl', () => {
    expect(optionsFromSettings({ broker_use_ssl: { ca_certs: '/ca.pem' } })).toEqual({ ssl: { ca_certs: '/ca.pem' } });
    expect(optionsFromSettings({ ssl: true })).toEqual({ ssl: true });
    expect(() => optionsFromSettings({ broker_use_ssl: 'on' })).toThrow('AMQP broker option broker_use_ssl must be an object or a boolean');
  });
});

describe('broker_use_ssl for an rpc:// backend of its own connection', () => {
  it('must be an object or a boolean', async () => {
    const { backendAdapter } = await import('../src/index.js');
    expect(() => backendAdapter.create('rpc://', { options: { url: 'amqp://h//', broker_use_ssl: 'on' } })).toThrow('rpc:// result backend option broker_use_ssl must be an object or a boolean');
  });
});
