/**
 * Broker URLs the way kombu reads them: `redis://[[user]:password@]host[:port][/db]` and `rediss://`
 * (TLS). The DB number matters beyond `SELECT`: it is part of every pub/sub channel name.
 */
import { ConfigurationError } from '@celerity/core';

/** Connection settings parsed from a `redis://` / `rediss://` URL. */
export interface RedisUrlOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Present for `rediss://`: options for `tls.connect`. */
  tls?: { rejectUnauthorized?: boolean; servername?: string };
}

/**
 * Parses a broker URL. `rediss://…?ssl_cert_reqs=CERT_NONE` (kombu's spelling) or `?ssl_cert_reqs=none`
 * turns certificate checks off. An empty password (`redis://:@host`) means none.
 * @example
 * parseRedisUrl('rediss://:secret@cache.example.com:6380/2');
 * // { host: 'cache.example.com', port: 6380, db: 2, password: 'secret', tls: { servername: 'cache.example.com' } }
 */
export function parseRedisUrl(url: string): RedisUrlOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConfigurationError(`Invalid Redis URL ${JSON.stringify(url)}`, { cause: error });
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') {
    throw new ConfigurationError(`Unsupported scheme ${scheme}:// for the Redis broker (use redis:// or rediss://)`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = parsed.port ? Number(parsed.port) : 6379;
  const path = parsed.pathname.replace(/^\/+/, '').replace(/\/+$/, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) throw new ConfigurationError(`Invalid Redis DB number ${JSON.stringify(path)} in ${JSON.stringify(url)}`);
  const result: RedisUrlOptions = { host, port, db };
  if (parsed.username) result.username = decodeURIComponent(parsed.username);
  if (parsed.password) result.password = decodeURIComponent(parsed.password);
  if (scheme === 'rediss') {
    const certReqs = (parsed.searchParams.get('ssl_cert_reqs') ?? '').toLowerCase();
    result.tls = { servername: host };
    if (certReqs === 'cert_none' || certReqs === 'none') result.tls.rejectUnauthorized = false;
  }
  return result;
}
