/**
 * A raw socket to a test Redis, plain or TLS, for the launchers' readiness checks (which speak RESP
 * by hand so they need no client library). Node built-ins only.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** A command as a client writes it in RESP (an array of bulk strings). */
export function respCommand(...args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** The PEM files a TLS-only test server is started with, and how clients must talk to it. */
export interface RedisServerTls {
  /** Server certificate and key (`--tls-cert-file`, `--tls-key-file`). */
  certFile: string;
  keyFile: string;
  /** CA trusted for client certificates, and by the checks for the server's (`--tls-ca-cert-file`). */
  caFile: string;
  /**
   * Certificate and key the server presents as a client (`--tls-client-cert-file`), to its primary
   * or the other cluster nodes, and the readiness checks present too.
   */
  clientCertFile: string;
  clientKeyFile: string;
  /** `--tls-auth-clients yes`: connections without a client certificate signed by the CA are refused. @default false */
  authClients?: boolean;
}

/** The `redis-server` arguments of a TLS-only server on `port` (the plain port off, replication over TLS). */
export function tlsOnlyArgs(port: number, tls: RedisServerTls): string[] {
  return [
    '--port', '0',
    '--tls-port', String(port),
    '--tls-cert-file', tls.certFile,
    '--tls-key-file', tls.keyFile,
    '--tls-ca-cert-file', tls.caFile,
    '--tls-client-cert-file', tls.clientCertFile,
    '--tls-client-key-file', tls.clientKeyFile,
    '--tls-auth-clients', tls.authClients ? 'yes' : 'no',
    '--tls-replication', 'yes',
  ];
}

/** The `redis-cli` arguments that talk TLS with `tls`'s files (none without TLS). */
export function redisCliTlsArgs(tls: RedisServerTls | undefined): string[] {
  return tls === undefined ? [] : ['--tls', '--cacert', tls.caFile, '--cert', tls.clientCertFile, '--key', tls.clientKeyFile];
}

/**
 * Opens a socket to host:port, over TLS when `tls` is given (trusting its CA, presenting its client
 * certificate); `onReady` runs once the socket can carry commands.
 */
export function openRedisSocket(host: string, port: number, tls: RedisServerTls | undefined, onReady: () => void): Socket {
  if (tls === undefined) {
    const socket = connect({ host, port });
    socket.once('connect', onReady);
    return socket;
  }
  const socket = connectTls({ host, port, ca: readFileSync(tls.caFile), cert: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile) });
  socket.once('secureConnect', onReady);
  return socket;
}
