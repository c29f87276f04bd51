/**
 * Redis URLs the way kombu (broker) and Celery (result backend) read them:
 * `redis://[[user]:password@]host[:port][/db]` and `rediss://…` (TLS). The DB number matters beyond
 * `SELECT`: the broker puts it in every pub/sub channel name. Error messages show the URL only
 * through `redactUrl`: they never repeat a part of it on its own (a raw `/` or `?` in a password
 * moves part of it into the path or the query) nor carry the URL parser's own error (it holds the
 * input, password included).
 */
import { isIP } from 'node:net';
import { ConfigurationError } from '@celerity/core';
import { redactUrl } from '@celerity/core/internal';

/** Connection settings parsed from a `redis://` / `rediss://` URL; spreads into ioredis' `RedisOptions`. */
export interface RedisUrlOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Present for `rediss://`: options for `tls.connect`. */
  tls?: { rejectUnauthorized?: boolean; servername?: string };
}

// Celery's `ssl_cert_reqs` values (kombu spells them CERT_*); Node cannot verify "optionally", so
// optional, like none, accepts any certificate.
const CERT_REQS: Readonly<Record<string, boolean>> = {
  '': true,
  required: true,
  cert_required: true,
  optional: false,
  cert_optional: false,
  none: false,
  cert_none: false,
};

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
 * server's certificate unless `?ssl_cert_reqs=none` (or `CERT_NONE`, `optional`).
 * @throws ConfigurationError for anything else, with the URL's password hidden.
 * @example
 * parseRedisUrl('rediss://:secret@cache.example.com:6380/2');
 * // { host: 'cache.example.com', port: 6380, db: 2, password: 'secret', tls: { servername: 'cache.example.com' } }
 */
export function parseRedisUrl(url: string): RedisUrlOptions {
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
  if (scheme === 'rediss') {
    const certReqs = (parsed.searchParams.get('ssl_cert_reqs') ?? '').toLowerCase();
    const verify = CERT_REQS[certReqs];
    if (verify === undefined) {
      throw new ConfigurationError(`Invalid ssl_cert_reqs in ${JSON.stringify(redactUrl(url))} (use required, optional or none)`);
    }
    result.tls = {};
    // SNI for host names (Node refuses an IP address as a server name).
    if (isIP(host) === 0) result.tls.servername = host;
    if (!verify) result.tls.rejectUnauthorized = false;
  }
  return result;
}
