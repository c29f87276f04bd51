/**
 * TLS settings the Celery way, shared by the Redis and AMQP adapters: certificate files named by
 * path (`ssl_ca_certs`, `ca_certs`…) are read when a connection is made, not when the adapter is
 * created, so building a client from configuration never touches the file system; and the TLS
 * refusals that no retry can fix (an untrusted CA, a certificate for another name, a client
 * certificate the server wants) get one message that says which setting to look at.
 */
import { readFileSync } from 'node:fs';
import { ConfigurationError } from './errors.js';

// Celery's `cert_reqs` values (kombu spells them CERT_*; Python's ssl module numbers them).
const CERT_REQS: Readonly<Record<string, boolean>> = {
  '2': true,
  required: true,
  cert_required: true,
  '1': false,
  optional: false,
  cert_optional: false,
  '0': false,
  none: false,
  cert_none: false,
};

/**
 * Whether a Celery `cert_reqs` value (`required`, `optional`, `none`, `CERT_*`, 0–2) verifies the
 * server's certificate; undefined for anything else. Node cannot verify "optionally": optional,
 * like none, accepts any certificate.
 */
export function certReqsVerify(value: unknown): boolean | undefined {
  return typeof value === 'string' || typeof value === 'number' ? CERT_REQS[String(value).toLowerCase()] : undefined;
}

/** Paths of PEM files, and the setting name each came from (for error messages). */
export interface TlsFileSettings {
  ca?: { path: string; setting: string };
  cert?: { path: string; setting: string };
  key?: { path: string; setting: string };
}

/**
 * Reads `path` on every call. Once a read has succeeded, a failed one returns the last content: a
 * driver reconnecting in the background (ioredis) has no way to report the error, and would be
 * left stuck rather than failed, so a file replaced non-atomically or removed keeps working.
 */
function pemReader(path: string, setting: string): () => Buffer {
  let last: Buffer | undefined;
  return () => {
    try {
      last = readFileSync(path);
      return last;
    } catch (error) {
      if (last !== undefined) return last;
      const code = (error as { code?: unknown }).code;
      throw new ConfigurationError(`TLS ${setting} ${JSON.stringify(path)} cannot be read${typeof code === 'string' ? ` (${code})` : ''}`, { cause: error });
    }
  };
}

/**
 * Adds `ca` / `cert` / `key` to `target` as enumerable getters that read their file on every read.
 * Drivers copy TLS options (spread, `Object.assign`) right before each `tls.connect`, so each
 * connection attempt reads the files then; a file never read successfully throws
 * `ConfigurationError`, one that was read before and no longer can be gives its last content.
 * @example
 * const tls = withTlsFiles({ servername: 'cache' }, { ca: { path: '/etc/ca.pem', setting: 'ssl_ca_certs' } });
 */
export function withTlsFiles<T extends object>(target: T, files: TlsFileSettings): T {
  for (const name of ['ca', 'cert', 'key'] as const) {
    const file = files[name];
    if (file === undefined) continue;
    Object.defineProperty(target, name, { enumerable: true, configurable: true, get: pemReader(file.path, file.setting) });
  }
  return target;
}

/**
 * Reads every file `withTlsFiles` put on `tls` once, so a missing one fails `connect()` with its
 * `ConfigurationError` before a driver gets to read it somewhere an exception would be lost.
 */
export function checkTlsFiles(tls: object | undefined | null): void {
  if (tls !== undefined && tls !== null) Object.assign({}, tls);
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * Why a TLS handshake was refused, when the same settings would be refused again: the server's
 * certificate is not trusted, names another host or is out of date, or the server sent an alert
 * (e.g. it wants a client certificate). Undefined for anything else (network trouble).
 * @example
 * const reason = tlsRefusal(error); if (reason) throw new ConfigurationError(reason, { cause: error });
 */
export function tlsRefusal(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return undefined;
  const detail = typeof message === 'string' ? message : code;
  if (UNTRUSTED.has(code)) return `TLS: the server's certificate is not signed by a trusted CA (${code}); give the CA's certificate (ssl_ca_certs / ca_certs)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS: the server's certificate is not for the host name checked: ${detail}`;
  if (EXPIRED.has(code)) return `TLS: the server's certificate is not valid now (${code})`;
  if (/^ERR_SSL_.*ALERT/.test(code)) return `TLS: the server refused the connection (${detail}); does it require a client certificate (ssl_certfile / certfile)?`;
  return undefined;
}
