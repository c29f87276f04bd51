/**
 * Celery's `broker_use_ssl` for RabbitMQ (py-amqp's names, which kombu passes through to
 * `ssl.wrap_socket`), as options for Node's `tls.connect`.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigurationError } from '@celerity/core';
import { certReqsVerify, withTlsFiles } from '@celerity/core/internal';
import type { TlsFileSettings } from '@celerity/core/internal';

/**
 * Celery's `broker_use_ssl` for `amqps://` (py-amqp's names).
 * @example
 * { ca_certs: '/etc/ssl/ca.pem', certfile: '/etc/ssl/client.pem', keyfile: '/etc/ssl/client.key', cert_reqs: 'required', server_hostname: 'rabbit.internal' }
 */
export interface AmqpSslSettings {
  /** PEM file of the CA(s) to trust instead of Node's built-in list. Read when connecting. */
  ca_certs?: string;
  /** PEM file of the client certificate (for `ssl_options.fail_if_no_peer_cert = true`). Read when connecting. */
  certfile?: string;
  /** PEM file of the client certificate's private key. Read when connecting. @default the key in `certfile` */
  keyfile?: string;
  /**
   * `required` (or `CERT_REQUIRED`, Python's `ssl.CERT_REQUIRED` = 2) verifies the server's
   * certificate; `none` (`CERT_NONE`, 0) and `optional` (`CERT_OPTIONAL`, 1) accept any.
   * @default 'required'
   */
  cert_reqs?: string | number;
  /** The name the server's certificate must carry (and the SNI name sent). @default the URL's host */
  server_hostname?: string;
}

function path(settings: Record<string, unknown>, key: string): string | undefined {
  const value = settings[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw new ConfigurationError(`broker_use_ssl ${key} must be a file path`);
  return value;
}

/**
 * The `tls.connect` options for `broker_use_ssl` (`true`: the defaults), with `tls` (Node's own
 * options) laid over them; undefined when neither is given.
 * @throws ConfigurationError for a value of the wrong type or an unknown `cert_reqs`.
 * @example
 * amqpTlsOptions({ ca_certs: '/etc/ssl/ca.pem', server_hostname: 'rabbit.internal' }, undefined);
 */
export function amqpTlsOptions(ssl: AmqpSslSettings | boolean | undefined, tls: TlsOptions | undefined): TlsOptions | undefined {
  if (ssl !== undefined && typeof ssl !== 'boolean' && (typeof ssl !== 'object' || ssl === null)) {
    throw new ConfigurationError('AMQP broker option broker_use_ssl must be an object or a boolean');
  }
  if ((ssl === undefined || ssl === false) && tls === undefined) return undefined;
  const settings: Record<string, unknown> = typeof ssl === 'object' ? { ...ssl } : {};
  const out: TlsOptions = {};
  const certReqs = settings['cert_reqs'];
  if (certReqs !== undefined && certReqs !== null) {
    const verify = certReqsVerify(certReqs);
    if (verify === undefined) throw new ConfigurationError('broker_use_ssl cert_reqs must be required, optional or none');
    if (!verify) out.rejectUnauthorized = false;
  }
  const serverHostname = settings['server_hostname'];
  if (serverHostname !== undefined && serverHostname !== null) {
    if (typeof serverHostname !== 'string' || serverHostname === '') throw new ConfigurationError('broker_use_ssl server_hostname must be a host name');
    out.servername = serverHostname;
  }
  const files: TlsFileSettings = {};
  const ca = path(settings, 'ca_certs');
  const cert = path(settings, 'certfile');
  const key = path(settings, 'keyfile');
  if (key !== undefined && cert === undefined) throw new ConfigurationError('broker_use_ssl keyfile needs certfile');
  if (ca !== undefined) files.ca = { path: ca, setting: 'ca_certs' };
  if (cert !== undefined) {
    files.cert = { path: cert, setting: 'certfile' };
    // Like Python's load_cert_chain: without a key file, the key is in the certificate's file.
    files.key = key === undefined ? { path: cert, setting: 'certfile' } : { path: key, setting: 'keyfile' };
  }
  // Node's own options win, file by file: a `ca` given as data replaces `ca_certs`.
  for (const name of ['ca', 'cert', 'key'] as const) if (tls?.[name] !== undefined) delete files[name];
  return withTlsFiles(Object.assign(out, tls), files);
}
