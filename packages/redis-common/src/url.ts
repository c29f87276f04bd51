/**
 * Redis URLs the way kombu (broker) and Celery (result backend) read them:
 * `redis://[[user]:password@]host[:port][/db]` and `rediss://…` (TLS). The DB number matters beyond
 * `SELECT`: the broker puts it in every pub/sub channel name. Error messages show the URL only
 * through `redactUrl`: they never repeat a part of it on its own (a raw `/` or `?` in a password
 * moves part of it into the path or the query) nor carry the URL parser's own error (it holds the
 * input, password included).
 */
import { ConfigurationError } from '@celerity/core';
import { redactUrl } from '@celerity/core/internal';
import { REDIS_SSL_KEYS, redisTlsOptions } from './ssl.js';
import type { RedisSslSettings, RedisTlsOptions } from './ssl.js';

/** Connection settings parsed from a `redis://` / `rediss://` URL; spreads into ioredis' `RedisOptions`. */
export interface RedisUrlOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Present for `rediss://` (or TLS settings): options for `tls.connect`, certificate files read when connecting. */
  tls?: RedisTlsOptions;
}

function decodeCredential(text: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConfigurationError(`Invalid percent-encoding in the credentials of Redis URL ${JSON.stringify(redactUrl(url))}`);
  }
}

/**
 * Parses a Redis URL. Defaults: host `localhost`, port 6379, db 0 (or `?db=`). Credentials may be
 * percent-encoded; an empty password (`redis://:@host`) means none. `rediss://` verifies the
 * server's certificate and its host name unless told otherwise by the query options
 * `ssl_cert_reqs` (`required`, `optional` / `CERT_OPTIONAL` or `none` / `CERT_NONE`: the last two
 * skip verification), `ssl_check_hostname=false`, `ssl_ca_certs`, `ssl_certfile` and `ssl_keyfile`
 * (see {@link RedisSslSettings}). `ssl`, Celery's `broker_use_ssl` / `redis_backend_use_ssl`, gives
 * the same settings as an object (the URL's query wins) and turns TLS on for `redis://` too, as in
 * Celery; `true` is TLS with the defaults.
 * @throws ConfigurationError for anything else, with the URL's password hidden.
 * @example
 * parseRedisUrl('rediss://:secret@cache.example.com:6380/2?ssl_ca_certs=/etc/ssl/ca.pem');
 * // { host: 'cache.example.com', port: 6380, db: 2, password: 'secret', tls: { servername: 'cache.example.com', ca: <read on connect> } }
 */
export function parseRedisUrl(url: string, ssl?: RedisSslSettings | boolean): RedisUrlOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`Invalid Redis URL ${JSON.stringify(redactUrl(url))} (expected redis://[[user]:password@]host[:port][/db])`);
  }
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') {
    throw new ConfigurationError(`Unsupported scheme ${scheme}:// in Redis URL ${JSON.stringify(redactUrl(url))} (use redis:// or rediss://)`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  if (port < 1) throw new ConfigurationError(`Invalid port ${parsed.port} in Redis URL ${JSON.stringify(redactUrl(url))}`);
  const path = parsed.pathname.replace(/^\//, '').replace(/\/+$/, '');
  const dbText = path || parsed.searchParams.get('db') || '0';
  if (!/^\d+$/.test(dbText)) throw new ConfigurationError(`Invalid Redis DB number in ${JSON.stringify(redactUrl(url))}`);
  const result: RedisUrlOptions = { host, port, db: Number(dbText) };
  if (parsed.username) result.username = decodeCredential(parsed.username, url);
  if (parsed.password) result.password = decodeCredential(parsed.password, url);
  if (ssl !== undefined && typeof ssl !== 'boolean' && (typeof ssl !== 'object' || ssl === null)) {
    throw new ConfigurationError('Redis TLS settings (broker_use_ssl / redis_backend_use_ssl) must be an object or a boolean');
  }
  if (scheme === 'rediss' || (ssl !== undefined && ssl !== false)) {
    const settings: Record<string, unknown> = typeof ssl === 'object' ? { ...ssl } : {};
    for (const key of REDIS_SSL_KEYS) {
      const value = parsed.searchParams.get(key);
      if (value !== null) settings[key] = value;
    }
    // A bare `?ssl_cert_reqs=` means the default (required), as before.
    if (settings['ssl_cert_reqs'] === '') delete settings['ssl_cert_reqs'];
    result.tls = redisTlsOptions(host, settings, `the TLS settings of ${JSON.stringify(redactUrl(url))}`);
  }
  return result;
}
