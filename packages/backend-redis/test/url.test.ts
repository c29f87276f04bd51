import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@celerity/core';
import { parseRedisUrl, redactUrl } from '../src/url.js';

describe('parseRedisUrl', () => {
  it('reads host, port, db and credentials', () => {
    expect(parseRedisUrl('redis://:s%40cret@cache.local:6380/2')).toEqual({ host: 'cache.local', port: 6380, db: 2, password: 's@cret' });
    expect(parseRedisUrl('redis://user:pw@h/0')).toEqual({ host: 'h', port: 6379, db: 0, username: 'user', password: 'pw' });
    expect(parseRedisUrl('redis://')).toEqual({ host: 'localhost', port: 6379, db: 0 });
    expect(parseRedisUrl('redis://[::1]:7000/3')).toMatchObject({ host: '::1', port: 7000, db: 3 });
  });

  it('turns rediss:// into TLS, honouring Celery ssl_cert_reqs', () => {
    expect(parseRedisUrl('rediss://h:6390/1').tls).toEqual({});
    expect(parseRedisUrl('rediss://h/1?ssl_cert_reqs=none').tls).toEqual({ rejectUnauthorized: false });
    expect(parseRedisUrl('rediss://h/1?ssl_cert_reqs=CERT_REQUIRED').tls).toEqual({});
    expect(parseRedisUrl('redis://h/1').tls).toBeUndefined();
  });

  it('rejects other schemes and bad databases', () => {
    expect(() => parseRedisUrl('amqp://h')).toThrow(ConfigurationError);
    expect(() => parseRedisUrl('redis://h/abc')).toThrow(/Invalid Redis database/);
    expect(() => parseRedisUrl('not a url')).toThrow(ConfigurationError);
  });

  it('redacts passwords', () => {
    expect(redactUrl('redis://:secret@h:1/0')).toBe('redis://:***@h:1/0');
    expect(redactUrl('redis://u:secret@h')).toBe('redis://u:***@h');
    expect(redactUrl('redis://h/0')).toBe('redis://h/0');
  });
});
