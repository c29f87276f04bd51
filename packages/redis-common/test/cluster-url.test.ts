import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@celerity/core';
import { isClusterUrl, parseRedisClusterUrl } from '../src/internal.js';

describe('parseRedisClusterUrl', () => {
  it('reads every startup node, defaulting the port to 6379', () => {
    expect(parseRedisClusterUrl('rediscluster://10.0.0.1:7000,10.0.0.2,[::1]:7002')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
    });
  });

  it('reads percent-encoded credentials that apply to every node, and accepts /0', () => {
    expect(parseRedisClusterUrl('rediscluster://app:p%40ss@h1:7000,h2:7001/0')).toEqual({
      nodes: [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 7001 },
      ],
      username: 'app',
      password: 'p@ss',
    });
    expect(parseRedisClusterUrl('rediscluster://:secret@h1:7000')).toEqual({ nodes: [{ host: 'h1', port: 7000 }], password: 'secret' });
  });

  it('refuses another database, a missing node, a bad port and another scheme, without showing the password', () => {
    for (const url of ['rediscluster://:secret@h1:7000/2', 'rediscluster://:secret@', 'rediscluster://:secret@h1:99999', 'redis://:secret@h1:7000']) {
      let error: unknown;
      try {
        parseRedisClusterUrl(url);
      } catch (caught) {
        error = caught;
      }
      expect(error, url).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('turns TLS on for every node from the ssl_* query options or the ssl setting (query wins), naming no server', () => {
    expect(parseRedisClusterUrl('rediscluster://h1:7000?other=1').tls).toBeUndefined();
    expect(parseRedisClusterUrl('rediscluster://h1:7000', false).tls).toBeUndefined();
    expect(parseRedisClusterUrl('rediscluster://h1:7000?ssl_cert_reqs=required').tls).toEqual({});
    expect(parseRedisClusterUrl('rediscluster://cache.example.com:7000', true).tls).toEqual({});
    const tls = parseRedisClusterUrl('rediscluster://h1:7000?ssl_cert_reqs=none', { ssl_cert_reqs: 'required', ssl_ca_certs: '/etc/ssl/ca.pem', ssl_check_hostname: false }).tls;
    expect(tls?.rejectUnauthorized).toBe(false);
    expect(tls?.servername).toBeUndefined();
    expect(typeof tls?.checkServerIdentity).toBe('function');
    // The CA file is read when a node connects, not while parsing.
    expect(Object.getOwnPropertyDescriptor(tls, 'ca')?.get).toBeTypeOf('function');
  });

  it('refuses bad TLS settings with a ConfigurationError', () => {
    expect(() => parseRedisClusterUrl('rediscluster://h1:7000?ssl_cert_reqs=maybe')).toThrow(ConfigurationError);
    expect(() => parseRedisClusterUrl('rediscluster://h1:7000', 'yes' as unknown as boolean)).toThrow(ConfigurationError);
    expect(() => parseRedisClusterUrl('rediscluster://h1:7000', { ssl_keyfile: '/k.pem' })).toThrow(/ssl_keyfile needs ssl_certfile/);
  });

  it('tells cluster URLs apart by scheme', () => {
    expect(isClusterUrl('RedisCluster://h:1')).toBe(true);
    expect(isClusterUrl('redis://h:1')).toBe(false);
  });
});

describe('keySlot', () => {
  it('hashes only the {tag} of a key, as Redis Cluster does', async () => {
    const { keySlot } = await import('../src/internal.js');
    expect(keySlot('{celery}unacked')).toBe(keySlot('{celery}'));
    expect(keySlot('{celery}')).toBe(keySlot('celery'));
    // Redis' documented example: the slot of "foo" is 12182.
    expect(keySlot('foo')).toBe(12182);
  });
});
