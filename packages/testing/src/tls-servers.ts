/**
 * TLS test fixtures made at test time: a CA, a server certificate for 127.0.0.1 and `localhost`, a
 * client certificate, and a second CA nobody trusts (openssl CLI, ECDSA P-256, valid two days);
 * plus a private `redis-server` listening with TLS and the `rabbitmq.conf` lines of an amqps
 * listener, for `startRabbitServer({ config })`. Node built-ins only.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { startRedisServer } from './redis-server.js';
import type { RedisServer, RedisServerOptions } from './redis-server.js';
import type { RedisServerTls } from './redis-socket.js';

const run = promisify(execFile);

/** PEM files in a fresh temporary directory; `dispose()` deletes them. */
export interface TestCertificates extends AsyncDisposable {
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly ca: string;
  /** Server certificate (subjectAltName IP:127.0.0.1, DNS:localhost) and its key. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Client certificate (CN `celerity-test-client`, clientAuth) and its key. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** Another CA's certificate: trusting only it, a client must refuse the server. */
  readonly otherCa: string;
  dispose(): Promise<void>;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, 'req', '-x509', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=celerity-test-${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

async function makeLeaf(dir: string, name: string, extensions: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(dir, 'req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=celerity-test-${name}`);
  await openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
}

/**
 * Generates the certificates (needs the `openssl` command).
 * @example
 * await using certs = await createTestCertificates();
 * const redis = await startTlsRedisServer({ certificates: certs, authClients: true });
 */
export async function createTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'celerity-tls-'));
  try {
    await makeCa(dir, 'ca');
    await makeCa(dir, 'other-ca');
    await makeLeaf(dir, 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    await makeLeaf(dir, 'client', 'extendedKeyUsage=clientAuth\n');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    otherCa: join(dir, 'other-ca.pem'),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * The `tls` option of `startRedisServer`, `startRedisCluster` and `startSentinelTopology` for
 * TLS-only servers with these certificates (the client certificate is also what the servers
 * present to each other).
 * @example
 * await using cluster = await startRedisCluster({ tls: redisServerTls(certs, { authClients: true }) });
 */
export function redisServerTls(certs: TestCertificates, options: { authClients?: boolean } = {}): RedisServerTls {
  return {
    certFile: certs.serverCert,
    keyFile: certs.serverKey,
    caFile: certs.ca,
    clientCertFile: certs.clientCert,
    clientKeyFile: certs.clientKey,
    authClients: options.authClients ?? false,
  };
}

/** Options of {@link startTlsRedisServer}. */
export interface TlsRedisServerOptions extends Omit<RedisServerOptions, 'host'> {
  certificates: TestCertificates;
  /** `--tls-auth-clients yes`: connections without a client certificate signed by the CA are refused. @default false */
  authClients?: boolean;
  /** Addresses both ports listen on (the certificate names only 127.0.0.1). @default ['127.0.0.1'] */
  bind?: readonly string[];
}

/** A private Redis with a TLS port; its plain port (`url`) is there for the readiness check. */
export interface TlsRedisServer extends RedisServer {
  readonly tlsPort: number;
  /** `rediss://127.0.0.1:<tlsPort>` */
  readonly tlsUrl: string;
}

/**
 * Starts `redis-server` with `--tls-port` (and a plain port, which the start-up check uses), its
 * certificate from `certificates`, trusting their CA for client certificates.
 * @example
 * await using redis = await startTlsRedisServer({ certificates, authClients: true });
 * createRedisBackend({ url: `${redis.tlsUrl}/0?ssl_ca_certs=${certificates.ca}` });
 */
export async function startTlsRedisServer(options: TlsRedisServerOptions): Promise<TlsRedisServer> {
  const { certificates: certs, authClients = false, bind = ['127.0.0.1'], ...rest } = options;
  const tlsPort = await freePort();
  const server = await startRedisServer({
    ...rest,
    args: [
      ...(rest.args ?? []),
      '--bind', ...bind,
      '--tls-port', String(tlsPort),
      '--tls-cert-file', certs.serverCert,
      '--tls-key-file', certs.serverKey,
      '--tls-ca-cert-file', certs.ca,
      '--tls-auth-clients', authClients ? 'yes' : 'no',
    ],
  });
  return Object.assign(server, { tlsPort, tlsUrl: `rediss://127.0.0.1:${tlsPort}` });
}

/**
 * `rabbitmq.conf` lines for an amqps listener on `port` (on each address of `bind`) with the
 * server certificate of `certificates`; with `requireClientCert`, `verify_peer` and
 * `fail_if_no_peer_cert` so a client without a certificate signed by the CA is refused.
 * @example
 * const port = await freePort();
 * await using rabbit = await startRabbitServer({ config: rabbitTlsConfig(certs, port, { requireClientCert: true }) });
 */
export function rabbitTlsConfig(certs: TestCertificates, port: number, options: { requireClientCert?: boolean; bind?: readonly string[] } = {}): string[] {
  const bind = options.bind ?? ['127.0.0.1'];
  return [
    ...bind.map((address, i) => `listeners.ssl.${i + 1} = ${address}:${port}`),
    `ssl_options.cacertfile = ${certs.ca}`,
    `ssl_options.certfile = ${certs.serverCert}`,
    `ssl_options.keyfile = ${certs.serverKey}`,
    `ssl_options.verify = ${options.requireClientCert ? 'verify_peer' : 'verify_none'}`,
    `ssl_options.fail_if_no_peer_cert = ${options.requireClientCert ? 'true' : 'false'}`,
  ];
}
