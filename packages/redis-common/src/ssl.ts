/**
 * Celery's Redis TLS settings — `broker_use_ssl` / `redis_backend_use_ssl`, and the same names as
 * `rediss://` query options — as options for Node's `tls.connect`. The names are redis-py's, which
 * kombu and Celery pass through to it.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ConfigurationError } from '@celerity/core';
import { certReqsVerify, withTlsFiles } from '@celerity/core/internal';
import type { TlsFileSettings } from '@celerity/core/internal';

/**
 * Celery's `broker_use_ssl` / `redis_backend_use_ssl` for Redis (redis-py's names).
 * @example
 * { ssl_ca_certs: '/etc/ssl/ca.pem', ssl_certfile: '/etc/ssl/client.pem', ssl_keyfile: '/etc/ssl/client.key', ssl_cert_reqs: 'required' }
 */
export interface RedisSslSettings {
  /** PEM file of the CA(s) to trust instead of Node's built-in list. Read when connecting. */
  ssl_ca_certs?: string;
  /** PEM file of the client certificate (for servers started with `tls-auth-clients yes`). Read when connecting. */
  ssl_certfile?: string;
  /** PEM file of the client certificate's private key. Read when connecting. @default the key in `ssl_certfile` */
  ssl_keyfile?: string;
  /**
   * `required` (or `CERT_REQUIRED`, Python's `ssl.CERT_REQUIRED` = 2) verifies the server's
   * certificate; `none` (`CERT_NONE`, 0) and `optional` (`CERT_OPTIONAL`, 1) accept any: Node
   * cannot verify "optionally".
   * @default 'required'
   */
  ssl_cert_reqs?: string | number;
  /**
   * Whether the server's certificate must name the host connected to. Unlike redis-py (whose
   * default is off before 6.0) it is on unless turned off; the chain is verified either way.
   * @default true
   */
  ssl_check_hostname?: boolean;
}

/** The `tls.connect` options a Redis connection gets. */
export type RedisTlsOptions = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername' | 'checkServerIdentity'>;

/** The setting names read from a `RedisSslSettings` object and from a `rediss://` query. */
export const REDIS_SSL_KEYS = ['ssl_ca_certs', 'ssl_certfile', 'ssl_keyfile', 'ssl_cert_reqs', 'ssl_check_hostname'] as const;

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, yes: true, '1': true, on: true, false: false, no: false, '0': false, off: false };

function text(settings: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = settings[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw new ConfigurationError(`${key} in ${where} must be a file path`);
  return value;
}

/**
 * Checks TLS settings (from a settings object or a URL's query, values as strings there) and
 * returns `tls.connect` options for `host`. Without a host (a cluster's nodes, a Sentinel's
 * primary: learned at run time) no server name is set, and Node checks the certificate against the
 * address connected to. Unknown keys are not looked at.
 * @throws ConfigurationError for a value of the wrong type or an unknown `ssl_cert_reqs`.
 * @example
 * redisTlsOptions('cache.example.com', { ssl_ca_certs: '/etc/ssl/ca.pem' }, 'broker_use_ssl');
 */
export function redisTlsOptions(host: string | undefined, settings: Record<string, unknown>, where: string): RedisTlsOptions {
  const tls: RedisTlsOptions = {};
  // SNI for host names (Node refuses an IP address as a server name).
  if (host !== undefined && isIP(host) === 0) tls.servername = host;
  const certReqs = settings['ssl_cert_reqs'];
  if (certReqs !== undefined && certReqs !== null) {
    // An empty query value (`?ssl_cert_reqs=`) means the default, required.
    const verify = certReqs === '' ? true : certReqsVerify(certReqs);
    if (verify === undefined) throw new ConfigurationError(`Invalid ssl_cert_reqs in ${where} (use required, optional or none)`);
    if (!verify) tls.rejectUnauthorized = false;
  }
  const checkHostname = settings['ssl_check_hostname'];
  if (checkHostname !== undefined && checkHostname !== null) {
    const check = typeof checkHostname === 'boolean' ? checkHostname : typeof checkHostname === 'string' ? BOOLEANS[checkHostname.toLowerCase()] : undefined;
    if (check === undefined) throw new ConfigurationError(`ssl_check_hostname in ${where} must be true or false`);
    // Node's identity check is the host-name check; the chain is verified apart from it.
    if (!check) tls.checkServerIdentity = () => undefined;
  }
  const files: TlsFileSettings = {};
  const ca = text(settings, 'ssl_ca_certs', where);
  const cert = text(settings, 'ssl_certfile', where);
  const key = text(settings, 'ssl_keyfile', where);
  if (ca !== undefined) files.ca = { path: ca, setting: 'ssl_ca_certs' };
  if (key !== undefined && cert === undefined) throw new ConfigurationError(`${where}: ssl_keyfile needs ssl_certfile`);
  if (cert !== undefined) {
    files.cert = { path: cert, setting: 'ssl_certfile' };
    // Like Python's load_cert_chain: without a key file, the key is in the certificate's file.
    files.key = key === undefined ? { path: cert, setting: 'ssl_certfile' } : { path: key, setting: 'ssl_keyfile' };
  }
  return withTlsFiles(tls, files);
}

/**
 * TLS options from Celery's setting (`broker_use_ssl` / `redis_backend_use_ssl`: an object, or a
 * boolean) and the `ssl_*` options of a URL's query (they win), for connections whose host is not
 * known in advance; undefined when neither turns TLS on (`false`, or nothing given).
 * @throws ConfigurationError for a setting that is neither an object nor a boolean, or a bad value.
 * @example
 * sslFromSettingAndQuery(undefined, new URLSearchParams('ssl_cert_reqs=required'), 'rediscluster://…') // {}
 */
export function sslFromSettingAndQuery(ssl: RedisSslSettings | boolean | undefined, query: URLSearchParams, where: string): RedisTlsOptions | undefined {
  if (ssl !== undefined && typeof ssl !== 'boolean' && (typeof ssl !== 'object' || ssl === null)) {
    throw new ConfigurationError('Redis TLS settings (broker_use_ssl / redis_backend_use_ssl) must be an object or a boolean');
  }
  const settings: Record<string, unknown> = typeof ssl === 'object' ? { ...ssl } : {};
  let fromQuery = false;
  for (const key of REDIS_SSL_KEYS) {
    const value = query.get(key);
    if (value === null) continue;
    settings[key] = value;
    fromQuery = true;
  }
  if (!fromQuery && (ssl === undefined || ssl === false)) return undefined;
  if (settings['ssl_cert_reqs'] === '') delete settings['ssl_cert_reqs'];
  return redisTlsOptions(undefined, settings, where);
}
