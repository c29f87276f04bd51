import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@celerity/core';
import { parseSentinelUrl } from '../src/index.js';
import { isSentinelUrl, replicaWaitOptions, sentinelConnectionOptions, sentinelSettingsFrom } from '../src/internal.js';

describe('parseSentinelUrl', () => {
  it("reads kombu's and Celery's ;-joined form: every sentinel, db and credentials from the first", () => {
    expect(parseSentinelUrl('sentinel://s1')).toEqual({ sentinels: [{ host: 's1', port: 26379 }], db: 0 });
    expect(parseSentinelUrl('sentinel://:p%40ss@s1:26380/2;sentinel://s2;sentinel://[::1]:5000')).toEqual({
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 5000 },
      ],
      db: 2,
      password: 'p@ss',
    });
    expect(parseSentinelUrl('sentinel://user:pw@s1/1; sentinel://:other@s2/9')).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      db: 1,
      username: 'user',
      password: 'pw',
    });
    expect(parseSentinelUrl('SENTINEL://s1?db=4;')).toMatchObject({ db: 4 });
  });

  it('rejects other schemes, bad ports and DBs with ConfigurationError, without the password', () => {
    for (const bad of ['sentinel://:secret@s1/x', 'sentinel://:secret@s1;redis://s2', 'sentinel://:secret@s1:0', 'sentinel://:secret@s1:99999', ';', 'sentinel://:secret@s1/%zz']) {
      let error: unknown;
      try {
        parseSentinelUrl(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ConfigurationError);
      expect(String((error as Error).message)).not.toContain('secret');
    }
    expect(() => parseSentinelUrl('sentinel://u:%zz@s1')).toThrow(/percent-encoding/);
  });

  it('tells sentinel:// apart', () => {
    expect(isSentinelUrl('sentinel://h')).toBe(true);
    expect(isSentinelUrl(' Sentinel://h')).toBe(true);
    expect(isSentinelUrl('redis://h')).toBe(false);
  });
});

describe('sentinelConnectionOptions', () => {
  it('needs master_name, as kombu does', () => {
    expect(() => sentinelConnectionOptions('sentinel://:secret@s1', {})).toThrow(/'master_name' transport option must be specified/);
    expect(() => sentinelConnectionOptions('sentinel://:secret@s1', {})).not.toThrow(/secret/);
  });

  it('gives ioredis its Sentinel options, reconnecting on READONLY (a demoted primary)', () => {
    const options = sentinelConnectionOptions('sentinel://:pw@s1/3;sentinel://s2:1', { masterName: 'mymaster', sentinelPassword: 'sp', sentinelUsername: 'su' });
    expect(options).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 1 },
      ],
      name: 'mymaster',
      db: 3,
      password: 'pw',
      sentinelPassword: 'sp',
      sentinelUsername: 'su',
      failoverDetector: false,
    });
    expect(options.reconnectOnError(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(options.reconnectOnError(new Error('ERR wrong number of arguments'))).toBe(false);
  });
});

describe('sentinelConnectionOptions: TLS', () => {
  it('puts broker_use_ssl on the connections to the primary and sentinel_kwargs ssl on the sentinels, naming no server', () => {
    const plain = sentinelConnectionOptions('sentinel://s1', { masterName: 'm' });
    expect(plain.tls).toBeUndefined();
    expect(plain.enableTLSForSentinelMode).toBeUndefined();
    expect(plain.sentinelTLS).toBeUndefined();
    const options = sentinelConnectionOptions('sentinel://s1.example.com', { masterName: 'm', sentinelSsl: { ssl_cert_reqs: 'none' } }, { ssl_ca_certs: '/etc/ssl/ca.pem' });
    expect(options.enableTLSForSentinelMode).toBe(true);
    expect(options.tls?.servername).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(options.tls, 'ca')?.get).toBeTypeOf('function');
    expect(options.sentinelTLS).toEqual({ rejectUnauthorized: false });
    expect(sentinelConnectionOptions('sentinel://s1', { masterName: 'm', sentinelSsl: true }, true)).toMatchObject({ tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} });
    expect(sentinelConnectionOptions('sentinel://s1', { masterName: 'm', sentinelSsl: false }, false).sentinelTLS).toBeUndefined();
  });

  it('reads redis-py\'s ssl keys of sentinel_kwargs, and refuses ssl_* keys without ssl: true', () => {
    expect(sentinelSettingsFrom({ sentinel_kwargs: { ssl: true } })).toEqual({ sentinelSsl: true });
    expect(sentinelSettingsFrom({ sentinel_kwargs: { ssl: true, ssl_ca_certs: '/ca.pem', ssl_cert_reqs: 'required', password: 'p' } })).toEqual({
      sentinelPassword: 'p',
      sentinelSsl: { ssl_ca_certs: '/ca.pem', ssl_cert_reqs: 'required' },
    });
    expect(sentinelSettingsFrom({ sentinelSsl: { ssl_certfile: '/c.pem' } })).toEqual({ sentinelSsl: { ssl_certfile: '/c.pem' } });
    expect(() => sentinelSettingsFrom({ sentinel_kwargs: { ssl_ca_certs: '/ca.pem' } })).toThrow(/sentinel_kwargs.ssl_ca_certs needs sentinel_kwargs.ssl: true/);
    expect(() => sentinelSettingsFrom({ sentinel_kwargs: { ssl: 'yes' } })).toThrow(ConfigurationError);
    expect(() => sentinelSettingsFrom({ sentinelSsl: 'yes' })).toThrow(ConfigurationError);
  });
});

describe('sentinelSettingsFrom', () => {
  it("reads Celery's transport option names and ours", () => {
    expect(sentinelSettingsFrom({ master_name: 'm', sentinel_kwargs: { password: 'p', username: 'u' }, other: 1 })).toEqual({ masterName: 'm', sentinelPassword: 'p', sentinelUsername: 'u' });
    expect(sentinelSettingsFrom({ masterName: 'm', sentinelPassword: 'p', sentinelUsername: 'u' })).toEqual({ masterName: 'm', sentinelPassword: 'p', sentinelUsername: 'u' });
    expect(sentinelSettingsFrom({})).toEqual({});
  });

  it('rejects values of the wrong type', () => {
    expect(() => sentinelSettingsFrom({ master_name: 1 })).toThrow(ConfigurationError);
    expect(() => sentinelSettingsFrom({ sentinel_kwargs: 'p' })).toThrow(ConfigurationError);
    expect(() => sentinelSettingsFrom({ sentinel_kwargs: { password: 5 } })).toThrow(ConfigurationError);
  });
});

describe('replicaWaitOptions', () => {
  it('is off at 0 or unset, defaults the timeout to 1000 ms, and checks both values', () => {
    expect(replicaWaitOptions('X', undefined, undefined)).toBeUndefined();
    expect(replicaWaitOptions('X', 0, 50)).toBeUndefined();
    expect(replicaWaitOptions('X', 2, undefined)).toEqual({ replicas: 2, timeout: 1000 });
    expect(replicaWaitOptions('X', 1, 250)).toEqual({ replicas: 1, timeout: 250 });
    expect(() => replicaWaitOptions('X', -1, undefined)).toThrow(ConfigurationError);
    expect(() => replicaWaitOptions('X', 1.5, undefined)).toThrow(ConfigurationError);
    expect(() => replicaWaitOptions('X', 1, 0)).toThrow(/waitReplicasTimeout/);
  });
});
