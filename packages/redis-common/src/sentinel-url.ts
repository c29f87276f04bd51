/**
 * Redis Sentinel URLs the way kombu (broker) and Celery's `SentinelBackend` (result backend) read
 * them: `sentinel://[[user]:password@]host[:port][/db]`, several joined by `;`, one per sentinel.
 * As in Celery, the credentials and the DB number come from the first URL and are those of the
 * primary (the data node), not of the sentinels; the primary's name comes from the `master_name`
 * transport option, and the sentinels' own password from `sentinel_kwargs={'password': …}`.
 * The connection itself is ioredis' built-in Sentinel support (`sentinels` + `name`).
 *
 * TLS is set apart for the two kinds of connection, as in kombu and redis-py: `broker_use_ssl` /
 * `redis_backend_use_ssl` for the data connections to the primary, and redis-py's own keys in
 * `sentinel_kwargs` (`ssl: True`, `ssl_ca_certs`, `ssl_certfile`…) for the connections to the
 * sentinels. Neither names a host (the primary's comes from the sentinels): each certificate is
 * checked against the address connected to.
 */
import { ConfigurationError } from '@celerity/core';
import { redactUrl } from '@celerity/core/internal';
import { REDIS_SSL_KEYS, redisTlsOptions } from './ssl.js';
import type { RedisSslSettings, RedisTlsOptions } from './ssl.js';

/** kombu's and redis-py's default Sentinel port. */
export const DEFAULT_SENTINEL_PORT = 26379;

/** What a `sentinel://` URL holds. */
export interface SentinelUrlOptions {
  /** Every sentinel, in the order given (ioredis asks them in turn). */
  sentinels: Array<{ host: string; port: number }>;
  /** DB of the primary, from the first URL. @default 0 */
  db: number;
  /** The primary's username, from the first URL. */
  username?: string;
  /** The primary's password, from the first URL. */
  password?: string;
}

/** The Sentinel settings that come from transport options rather than the URL. */
export interface SentinelSettings {
  /** Celery's `master_name`: the name the sentinels monitor the primary under. Required. */
  masterName?: string;
  /** Password of the sentinels themselves (Celery's `sentinel_kwargs={'password': …}`). */
  sentinelPassword?: string;
  /** Username of the sentinels themselves (`sentinel_kwargs={'username': …}`). */
  sentinelUsername?: string;
  /**
   * TLS to the sentinels themselves (`sentinel_kwargs={'ssl': True, 'ssl_ca_certs': …}`): `true`
   * for the defaults, or redis-py's TLS settings. @default none (plain TCP to the sentinels)
   */
  sentinelSsl?: RedisSslSettings | boolean;
}

/**
 * ioredis options for a Sentinel-managed primary; spreads into `RedisOptions`. `duplicate()` of a
 * connection made with them asks the sentinels too, so every connection follows a failover.
 */
export interface SentinelConnectionOptions {
  sentinels: Array<{ host: string; port: number }>;
  name: string;
  db: number;
  username?: string;
  password?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
  /**
   * Off. ioredis' detector disconnects on the sentinels' `+switch-master`; when that message arrives
   * while a connection is already reconnecting (asking a sentinel for the primary after the old one
   * died), ioredis 6.0 ends the connection for good: the connect in progress fails and the status
   * becomes `end`. With it on, 3 of 19 runs of broker-redis' test/sentinel.int.test.ts failed so (a
   * publish rejected with "Redis connection is closed", or no broadcast after the failover); with it
   * off, 14 of 14 passed. Without it a dead primary drops the socket and a demoted one answers
   * `READONLY` (see `reconnectOnError`); both reconnect through the sentinels.
   */
  failoverDetector: boolean;
  /** A `READONLY` reply means the node was demoted: reconnect (asking the sentinels again) and resend. */
  reconnectOnError: (error: Error) => boolean | 1 | 2;
  /** TLS to the primary (and replicas ioredis may be sent to), from `broker_use_ssl` / `redis_backend_use_ssl`. */
  tls?: RedisTlsOptions;
  /** Set with `tls`: ioredis ignores `tls` in Sentinel mode without it. */
  enableTLSForSentinelMode?: boolean;
  /** TLS to the sentinels, from `sentinel_kwargs`' `ssl` keys. */
  sentinelTLS?: RedisTlsOptions;
}

/** Whether `url` uses the `sentinel://` scheme (case-insensitive). */
export function isSentinelUrl(url: string): boolean {
  return /^sentinel:\/\//i.test(url.trim());
}

function decode(text: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConfigurationError(`Invalid percent-encoding in the credentials of Sentinel URL ${JSON.stringify(redactUrl(url))}`);
  }
}

/**
 * Parses `sentinel://…[;sentinel://…]`. Defaults: port 26379, db 0.
 * @throws ConfigurationError for another scheme, a bad port or DB, with passwords hidden.
 * @example
 * parseSentinelUrl('sentinel://:secret@s1:26379/2;sentinel://s2:26380');
 * // { sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], db: 2, password: 'secret' }
 */
export function parseSentinelUrl(url: string): SentinelUrlOptions {
  const parts = url.split(';').map((part) => part.trim()).filter((part) => part !== '');
  const result: SentinelUrlOptions = { sentinels: [], db: 0 };
  parts.forEach((part, index) => {
    let parsed: URL;
    try {
      parsed = new URL(part);
    } catch {
      throw new ConfigurationError(`Invalid Sentinel URL ${JSON.stringify(redactUrl(part))} (expected sentinel://[[user]:password@]host[:port][/db])`);
    }
    if (parsed.protocol.toLowerCase() !== 'sentinel:') {
      throw new ConfigurationError(`Sentinel URL ${JSON.stringify(redactUrl(part))}: each ';'-separated part must use sentinel://`);
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
    const port = parsed.port === '' ? DEFAULT_SENTINEL_PORT : Number(parsed.port);
    if (port < 1) throw new ConfigurationError(`Invalid port ${parsed.port} in Sentinel URL ${JSON.stringify(redactUrl(part))}`);
    result.sentinels.push({ host, port });
    if (index !== 0) return; // Celery: the primary's db and credentials come from the first URL only.
    const dbText = parsed.pathname.replace(/^\//, '').replace(/\/+$/, '') || parsed.searchParams.get('db') || '0';
    if (!/^\d+$/.test(dbText)) throw new ConfigurationError(`Invalid Redis DB number in ${JSON.stringify(redactUrl(part))}`);
    result.db = Number(dbText);
    if (parsed.username) result.username = decode(parsed.username, part);
    if (parsed.password) result.password = decode(parsed.password, part);
  });
  if (result.sentinels.length === 0) throw new ConfigurationError('Empty Sentinel URL (expected sentinel://host[:port][;sentinel://…])');
  return result;
}

const isReadonly = (error: Error): boolean => error.message.startsWith('READONLY');

function tlsFrom(ssl: RedisSslSettings | boolean | undefined, where: string): RedisTlsOptions | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl !== true && (typeof ssl !== 'object' || ssl === null)) throw new ConfigurationError(`${where} must be an object or a boolean`);
  return redisTlsOptions(undefined, ssl === true ? {} : { ...ssl }, where);
}

/**
 * The ioredis options for a `sentinel://` URL and its transport options; `ssl` (Celery's
 * `broker_use_ssl` / `redis_backend_use_ssl`) is the TLS of the connections to the primary.
 * @throws ConfigurationError when `masterName` is missing (as kombu: "'master_name' transport option must be specified"), or for bad TLS settings.
 * @example
 * new Redis({ ...sentinelConnectionOptions('sentinel://s1;sentinel://s2', { masterName: 'mymaster' }), lazyConnect: true });
 */
export function sentinelConnectionOptions(url: string, settings: SentinelSettings, ssl?: RedisSslSettings | boolean): SentinelConnectionOptions {
  const parsed = parseSentinelUrl(url);
  if (typeof settings.masterName !== 'string' || settings.masterName === '') {
    throw new ConfigurationError(`'master_name' transport option must be specified for Sentinel URL ${JSON.stringify(redactUrl(url))}`);
  }
  const out: SentinelConnectionOptions = {
    ...parsed,
    name: settings.masterName,
    failoverDetector: false,
    reconnectOnError: (error) => (isReadonly(error) ? 2 : false),
  };
  if (settings.sentinelPassword !== undefined) out.sentinelPassword = settings.sentinelPassword;
  if (settings.sentinelUsername !== undefined) out.sentinelUsername = settings.sentinelUsername;
  const primaryTls = tlsFrom(ssl, 'the TLS settings (broker_use_ssl / redis_backend_use_ssl) of a Sentinel URL');
  if (primaryTls !== undefined) {
    out.tls = primaryTls;
    out.enableTLSForSentinelMode = true;
  }
  const sentinelTls = tlsFrom(settings.sentinelSsl, "the sentinels' TLS settings (sentinel_kwargs)");
  if (sentinelTls !== undefined) out.sentinelTLS = sentinelTls;
  return out;
}

/**
 * redis-py's TLS keys of `sentinel_kwargs`: `ssl: true` turns TLS to the sentinels on, and the
 * `ssl_*` keys go with it; an `ssl_*` key without `ssl: true` is refused (redis-py would ignore it).
 */
function sentinelSslFrom(kwargs: Record<string, unknown>): RedisSslSettings | boolean | undefined {
  const given = REDIS_SSL_KEYS.filter((key) => kwargs[key] !== undefined);
  const ssl = kwargs['ssl'];
  if (ssl !== undefined && typeof ssl !== 'boolean') throw new ConfigurationError('Redis transport option sentinel_kwargs.ssl must be true or false');
  if (ssl !== true) {
    if (given.length > 0) throw new ConfigurationError(`Redis transport option sentinel_kwargs.${given[0]!} needs sentinel_kwargs.ssl: true`);
    return ssl;
  }
  if (given.length === 0) return true;
  return Object.fromEntries(given.map((key) => [key, kwargs[key]])) as RedisSslSettings;
}

/**
 * Reads the Sentinel settings out of untyped transport options: `master_name` / `masterName`,
 * `sentinel_kwargs: { password, username, ssl, ssl_ca_certs, ssl_certfile, ssl_keyfile,
 * ssl_cert_reqs, ssl_check_hostname }` / `sentinelPassword` / `sentinelUsername` / `sentinelSsl`.
 * @throws ConfigurationError for a value of the wrong type.
 * @example
 * sentinelSettingsFrom({ master_name: 'mymaster', sentinel_kwargs: { password: 's3cret' } });
 * // { masterName: 'mymaster', sentinelPassword: 's3cret' }
 */
export function sentinelSettingsFrom(bag: Readonly<Record<string, unknown>>): SentinelSettings {
  const out: SentinelSettings = {};
  const text = (key: string, value: unknown): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new ConfigurationError(`Redis transport option ${key} must be a string`);
    return value;
  };
  const kwargs = bag['sentinel_kwargs'];
  if (kwargs !== undefined && (typeof kwargs !== 'object' || kwargs === null)) {
    throw new ConfigurationError('Redis transport option sentinel_kwargs must be an object such as { password: … }');
  }
  const fromKwargs = (kwargs ?? {}) as Record<string, unknown>;
  const masterName = text('master_name', bag['master_name']) ?? text('masterName', bag['masterName']);
  const password = text('sentinel_kwargs.password', fromKwargs['password']) ?? text('sentinelPassword', bag['sentinelPassword']);
  const username = text('sentinel_kwargs.username', fromKwargs['username']) ?? text('sentinelUsername', bag['sentinelUsername']);
  if (masterName !== undefined) out.masterName = masterName;
  if (password !== undefined) out.sentinelPassword = password;
  if (username !== undefined) out.sentinelUsername = username;
  const sentinelSsl = sentinelSslFrom(fromKwargs) ?? bag['sentinelSsl'];
  if (sentinelSsl !== undefined) {
    if (typeof sentinelSsl !== 'boolean' && (typeof sentinelSsl !== 'object' || sentinelSsl === null)) throw new ConfigurationError('Redis transport option sentinelSsl must be an object or a boolean');
    out.sentinelSsl = sentinelSsl as RedisSslSettings | boolean;
  }
  return out;
}
