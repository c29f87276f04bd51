// Celery's Redis TLS settings (redis-py names) as rediss:// query options and as broker_use_ssl /
// redis_backend_use_ssl objects: what tls.connect gets, and that files are read only when the
// options are read (which a driver does when it connects).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '@celerity/core';
import { parseRedisUrl } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'celerity-ssl-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('Redis TLS settings', () => {
  it('reads ssl_ca_certs / ssl_certfile / ssl_keyfile from the URL when the options are read, not when parsed', () => {
    const ca = join(dir, 'ca-later.pem');
    const tls = parseRedisUrl(`rediss://h/0?ssl_ca_certs=${encodeURIComponent(ca)}`).tls; // the file does not exist yet
    expect(() => tls?.ca).toThrow(ConfigurationError);
    expect(() => tls?.ca).toThrow(`TLS ssl_ca_certs ${JSON.stringify(ca)} cannot be read (ENOENT)`);
    writeFileSync(ca, 'CA PEM');
    expect(String(tls?.ca)).toBe('CA PEM');
    writeFileSync(ca, 'CA PEM, renewed');
    expect(String({ ...tls }.ca)).toBe('CA PEM, renewed');
  });

  it('takes the key from ssl_keyfile, or from ssl_certfile when there is none (as load_cert_chain does)', () => {
    const cert = file('client.pem', 'CERT');
    const key = file('client.key', 'KEY');
    const both = parseRedisUrl(`rediss://h/0?ssl_certfile=${cert}&ssl_keyfile=${key}`).tls;
    expect([String(both?.cert), String(both?.key)]).toEqual(['CERT', 'KEY']);
    const one = parseRedisUrl(`rediss://h/0?ssl_certfile=${cert}`).tls;
    expect([String(one?.cert), String(one?.key)]).toEqual(['CERT', 'CERT']);
    expect(() => parseRedisUrl(`rediss://h/0?ssl_keyfile=${key}`)).toThrow('ssl_keyfile needs ssl_certfile');
  });

  it('turns the host-name check off with ssl_check_hostname=false, keeping chain verification', () => {
    const tls = parseRedisUrl('rediss://h/0?ssl_check_hostname=false').tls;
    expect(tls?.rejectUnauthorized).toBeUndefined();
    expect(tls?.checkServerIdentity?.('other', {} as never)).toBeUndefined();
    expect(parseRedisUrl('rediss://h/0?ssl_check_hostname=true').tls).toEqual({ servername: 'h' });
    expect(() => parseRedisUrl('rediss://h/0?ssl_check_hostname=maybe')).toThrow(ConfigurationError);
  });

  it('turns TLS on for redis:// with settings (Celery), true meaning the defaults; the URL query wins', () => {
    const ca = file('ca.pem', 'CA');
    const other = file('other.pem', 'OTHER');
    expect(parseRedisUrl('redis://h/0', true).tls).toEqual({ servername: 'h' });
    expect(parseRedisUrl('redis://h/0', false).tls).toBeUndefined();
    expect(parseRedisUrl('redis://h/0', { ssl_cert_reqs: 0 }).tls).toEqual({ servername: 'h', rejectUnauthorized: false });
    expect(parseRedisUrl('redis://h/0', { ssl_cert_reqs: 2 }).tls).toEqual({ servername: 'h' });
    expect(parseRedisUrl('rediss://h/0?ssl_cert_reqs=required', { ssl_cert_reqs: 'CERT_NONE' }).tls).toEqual({ servername: 'h' });
    expect(String(parseRedisUrl(`rediss://h/0?ssl_ca_certs=${other}`, { ssl_ca_certs: ca }).tls?.ca)).toBe('OTHER');
    expect(String(parseRedisUrl('redis://h/0', { ssl_ca_certs: ca }).tls?.ca)).toBe('CA');
  });

  it('rejects settings of the wrong shape with ConfigurationError', () => {
    expect(() => parseRedisUrl('redis://h/0', 'yes' as never)).toThrow('must be an object or a boolean');
    expect(() => parseRedisUrl('redis://h/0', { ssl_ca_certs: 42 } as never)).toThrow('ssl_ca_certs in the TLS settings of "redis://h/0" must be a file path');
    expect(() => parseRedisUrl('redis://h/0', { ssl_cert_reqs: 'sometimes' })).toThrow(ConfigurationError);
    expect(() => parseRedisUrl('redis://h/0', { ssl_check_hostname: 'no' as never })).not.toThrow();
  });
});
