/**
 * `redis://[[user]:password@]host[:port][/db]` and `rediss://…` (TLS) → ioredis options, as Celery's
 * result backend reads them. `rediss://` honours Celery's `?ssl_cert_reqs=none|optional|required`.
 */
import { ConfigurationError } from '@celerity/core';
import type { RedisOptions } from 'ioredis';

/** The connection part of a parsed URL. */
export type RedisUrlOptions = Pick<RedisOptions, 'host' | 'port' | 'db' | 'username' | 'password' | 'tls'>;

/**
 * @example
 * parseRedisUrl('redis://:secret@cache:6380/2'); // { host: 'cache', port: 6380, db: 2, password: 'secret' }
 */
export function parseRedisUrl(url: string): RedisUrlOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new ConfigurationError(`Invalid Redis result backend URL: ${JSON.stringify(url)}`, { cause: err });
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') {
    throw new ConfigurationError(`Redis result backend URL must start with redis:// or rediss://, got ${scheme}://`);
  }
  const options: RedisUrlOptions = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: 6379,
    db: 0,
  };
  if (parsed.port) options.port = Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '') || parsed.searchParams.get('db') || '0';
  if (!/^\d+$/.test(dbText)) throw new ConfigurationError(`Invalid Redis database ${JSON.stringify(dbText)} in ${redactUrl(url)}`);
  options.db = Number(dbText);
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  if (scheme === 'rediss') {
    const certReqs = (parsed.searchParams.get('ssl_cert_reqs') ?? 'required').toLowerCase();
    // Celery's CERT_NONE / CERT_OPTIONAL both skip verification failures; Node has no "optional".
    options.tls = certReqs === 'none' || certReqs === 'cert_none' || certReqs === 'optional' || certReqs === 'cert_optional' ? { rejectUnauthorized: false } : {};
  }
  return options;
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}
