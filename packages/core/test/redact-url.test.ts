import { describe, expect, it } from 'vitest';
import { redactUrl } from '@celerity/core/internal';

describe('redactUrl', () => {
  it.each([
    ['redis://:secret@cache:6379/0', 'redis://:**@cache:6379/0'],
    ['rediss://user:secret@cache:6380/2?ssl_cert_reqs=none', 'rediss://user:**@cache:6380/2?ssl_cert_reqs=none'],
    ['amqp://guest:secret@rabbit:5672//', 'amqp://guest:**@rabbit:5672//'],
    ['amqps://user:p%40ss%3Aw0rd@rabbit.example.com/prod', 'amqps://user:**@rabbit.example.com/prod'],
    ['redis://:@host', 'redis://:**@host'],
    ['redis://user@host/0', 'redis://user@host/0'],
    ['redis://:se@cr@et@host:1/0', 'redis://:**@host:1/0'],
    ['redis://:pa/ss?wo#rd@host:6379/0', 'redis://:**@host:6379/0'],
    ['redis://:secret@host:99999/0', 'redis://:**@host:99999/0'],
    ['redis://:secret@[::1]:6379/0', 'redis://:**@[::1]:6379/0'],
    ['redis://host:6379/0?password=secret&db=1', 'redis://host:6379/0?password=**&db=1'],
    ['amqp://u:one@a//;amqp://u:two@b//', 'amqp://u:**@a//;amqp://u:**@b//'],
    [':secret@host:6379', ':**@host:6379'],
    ['user:secret@host', 'user:**@host'],
  ])('%s → %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it('leaves URLs without credentials unchanged, and is idempotent', () => {
    for (const url of ['redis://localhost:6379/0', 'amqp://rabbit//', 'memory://', 'rpc://', 'localhost', '', 'amqp://host/v?name=a@b']) {
      expect(redactUrl(url)).toBe(url);
    }
    expect(redactUrl(redactUrl('redis://u:secret@h/0'))).toBe('redis://u:**@h/0');
  });
});
