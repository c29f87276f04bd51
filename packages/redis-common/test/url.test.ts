import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@celerity/core';
import { parseRedisUrl } from '../src/index.js';

describe('parseRedisUrl', () => {
  it('reads host, port, db and credentials like kombu and Celery', () => {
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379, db: 0 });
    expect(parseRedisUrl('redis://')).toEqual({ host: 'localhost', port: 6379, db: 0 });
    expect(parseRedisUrl('redis://:s%40cret@cache:6380/5')).toEqual({ host: 'cache', port: 6380, db: 5, password: 's@cret' });
    expect(parseRedisUrl('redis://user:pw@10.0.0.1/2')).toEqual({ host: '10.0.0.1', port: 6379, db: 2, username: 'user', password: 'pw' });
    expect(parseRedisUrl('redis://u%3Aser:p%3Aw@h/0')).toEqual({ host: 'h', port: 6379, db: 0, username: 'u:ser', password: 'p:w' });
    expect(parseRedisUrl('redis://:@h/0')).toEqual({ host: 'h', port: 6379, db: 0 });
    expect(parseRedisUrl('redis://[::1]:7000/3')).toEqual({ host: '::1', port: 7000, db: 3 });
    expect(parseRedisUrl('redis://h/4/')).toMatchObject({ db: 4 });
    expect(parseRedisUrl('redis://h?db=7')).toMatchObject({ db: 7 });
    expect(parseRedisUrl('redis://h/1?db=7')).toMatchObject({ db: 1 });
  });

  it('turns rediss:// into TLS, honouring ssl_cert_reqs in Celery\'s and kombu\'s spellings', () => {
    expect(parseRedisUrl('rediss://h:6390/1')).toEqual({ host: 'h', port: 6390, db: 1, tls: { servername: 'h' } });
    expect(parseRedisUrl('rediss://h/0?ssl_cert_reqs=CERT_NONE').tls).toEqual({ servername: 'h', rejectUnauthorized: false });
    expect(parseRedisUrl('rediss://h/0?ssl_cert_reqs=none').tls).toEqual({ servername: 'h', rejectUnauthorized: false });
    expect(parseRedisUrl('rediss://h/0?ssl_cert_reqs=optional').tls).toEqual({ servername: 'h', rejectUnauthorized: false });
    expect(parseRedisUrl('rediss://h/0?ssl_cert_reqs=CERT_REQUIRED').tls).toEqual({ servername: 'h' });
    // No SNI for an address (Node refuses an IP as a server name).
    expect(parseRedisUrl('rediss://127.0.0.1/0').tls).toEqual({});
    expect(parseRedisUrl('redis://h/1?ssl_cert_reqs=none').tls).toBeUndefined();
  });

  it('rejects what it cannot use, with ConfigurationError', () => {
    for (const url of ['amqp://x', 'redis://x/notadb', 'redis://x/-1', 'not a url', 'redis://h:99999/0', 'redis://h:0/0', 'redis://:%zz@h/0', 'rediss://h/0?ssl_cert_reqs=maybe']) {
      expect(() => parseRedisUrl(url), url).toThrow(ConfigurationError);
    }
    expect(() => parseRedisUrl('redis://x/notadb')).toThrow('Invalid Redis DB number in "redis://x/notadb"');
  });

  it('spreads into ioredis options (the README example)', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis({ ...parseRedisUrl('redis://:secret@cache:6379/2'), lazyConnect: true });
    expect([client.options.host, client.options.port, client.options.db, client.options.password]).toEqual(['cache', 6379, 2, 'secret']);
    client.disconnect();
  });
});
