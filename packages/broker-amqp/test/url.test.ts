import { ConfigurationError } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { parseAmqpUrl } from '../src/url.js';

describe('parseAmqpUrl', () => {
  it("reads kombu's default URL: vhost '/' from a double slash", () => {
    expect(parseAmqpUrl('amqp://guest:guest@localhost:5672//')).toEqual({
      protocol: 'amqp',
      hostname: 'localhost',
      port: 5672,
      username: 'guest',
      password: 'guest',
      vhost: '/',
    });
  });

  it('defaults host, port, credentials and vhost', () => {
    expect(parseAmqpUrl('amqp://')).toMatchObject({ hostname: 'localhost', port: 5672, username: 'guest', password: 'guest', vhost: '/' });
    expect(parseAmqpUrl('amqp://rabbit')).toMatchObject({ hostname: 'rabbit', vhost: '/' });
    expect(parseAmqpUrl('amqp://rabbit/')).toMatchObject({ vhost: '/' });
    expect(parseAmqpUrl('amqps://rabbit')).toMatchObject({ protocol: 'amqps', port: 5671 });
  });

  it('takes the vhost from the path, percent-decoded', () => {
    expect(parseAmqpUrl('amqp://h/myvhost').vhost).toBe('myvhost');
    expect(parseAmqpUrl('amqp://h/%2F').vhost).toBe('/');
    expect(parseAmqpUrl('amqp://h/a%2Fb').vhost).toBe('a/b');
    expect(parseAmqpUrl('amqp://h//x').vhost).toBe('/x');
  });

  it('decodes credentials and keeps an empty password', () => {
    expect(parseAmqpUrl('amqp://us%40er:p%3Ass@h:1234/v')).toMatchObject({ username: 'us@er', password: 'p:ss', port: 1234 });
    expect(parseAmqpUrl('amqp://user@h')).toMatchObject({ username: 'user', password: '' });
  });

  it('accepts pyamqp:// and IPv6 hosts', () => {
    expect(parseAmqpUrl('pyamqp://guest@[::1]:5673//')).toMatchObject({ protocol: 'amqp', hostname: '::1', port: 5673, vhost: '/' });
  });

  it('reads heartbeat, frame_max and connection_name from the query', () => {
    expect(parseAmqpUrl('amqp://h//?heartbeat=30&frame_max=8192&connection_name=w1')).toMatchObject({ heartbeat: 30, frameMax: 8192, connectionName: 'w1', vhost: '/' });
  });

  it('rejects other schemes, bad ports and bad query values', () => {
    expect(() => parseAmqpUrl('redis://localhost')).toThrow(ConfigurationError);
    expect(() => parseAmqpUrl('amqp://h:99999')).toThrow(/port/);
    expect(() => parseAmqpUrl('amqp://h?heartbeat=soon')).toThrow(/heartbeat/);
    expect(() => parseAmqpUrl('not a url')).toThrow(ConfigurationError);
  });
});
