// TLS to Redis for real: certificates made at test time, a private redis-server with a TLS port
// that wants client certificates (`--tls-auth-clients yes`), listening on 127.0.0.1 and 127.0.0.2
// (the certificate names only the first). A worker and a client do a round trip over rediss://
// with Celery's settings (broker_use_ssl, redis_backend_use_ssl) and URL query options; an
// untrusted CA and a wrong host name are refused with one ConfigurationError, a missing client
// certificate by the server (a reset), and ssl_cert_reqs=none / ssl_check_hostname=false let them through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CelerityError, ConfigurationError, defineTask } from '@celerity/core';
import type { ResultBackend } from '@celerity/core';
import { backendAdapter, createRedisBackend } from '@celerity/backend-redis';
import { brokerAdapter, createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { createTestCertificates, randomSuffix, startTlsRedisServer } from '@celerity/testing';
import type { TestCertificates, TlsRedisServer } from '@celerity/testing';
import { createWorker } from '@celerity/worker';

let certs: TestCertificates;
let redis: TlsRedisServer;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  certs = await createTestCertificates();
  redis = await startTlsRedisServer({ certificates: certs, authClients: true, bind: ['127.0.0.1', '127.0.0.2'] });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await redis?.stop();
  await certs?.dispose();
});

const query = (params: Record<string, string>): string => `?${new URLSearchParams(params).toString()}`;

/** A backend that must fail to connect; returns the error. */
async function connectError(backend: ResultBackend): Promise<unknown> {
  cleanups.push(() => backend.close());
  return backend.connect().then(
    () => new Error('connected'),
    (error: unknown) => error,
  );
}

const add = defineTask({ name: 'tls.add', params: ['a', 'b'] }, (a: number, b: number) => a + b);

describe('Redis over TLS', () => {
  it('runs a task round trip: worker and client over rediss:// with broker_use_ssl / redis_backend_use_ssl settings', { timeout: 60_000 }, async () => {
    const prefix = `celerity-test-tls-${randomSuffix()}:`;
    const ssl = { ssl_ca_certs: certs.ca, ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey, ssl_cert_reqs: 'CERT_REQUIRED' };
    const settings = {
      adapters: [brokerAdapter, backendAdapter],
      broker: `${redis.tlsUrl}/0`,
      backend: `${redis.tlsUrl}/0`,
      brokerOptions: { broker_use_ssl: ssl, global_keyprefix: prefix },
      backendOptions: { redis_backend_use_ssl: ssl, keyPrefix: prefix, expires: 60 },
    };
    const worker = createWorker({ ...settings, tasks: [add] });
    cleanups.push(() => worker.stop({ force: true }));
    await worker.start();
    const client = createClient(settings);
    cleanups.push(() => client.close());
    const result = await client.send<[number, number], number>('tls.add', [2, 3]);
    expect(await result.get({ timeout: 30 })).toBe(5);
  });

  it('takes the certificate files from rediss:// query options (redis-py names)', async () => {
    const url = `${redis.tlsUrl}/0${query({ ssl_ca_certs: certs.ca, ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey, ssl_cert_reqs: 'required' })}`;
    const backend = createRedisBackend({ url, keyPrefix: `celerity-test-tls-${randomSuffix()}:` });
    cleanups.push(() => backend.close());
    await backend.connect();
    await backend.store({ task_id: 'tls-query', status: 'SUCCESS', result: 7, traceback: null, children: [], date_done: null });
    expect((await backend.get('tls-query'))?.result).toBe(7);
    await backend.forget('tls-query');
  });

  it('refuses a server whose certificate is signed by a CA it does not trust, with one ConfigurationError (broker and backend)', async () => {
    const ssl = { ssl_ca_certs: certs.otherCa, ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey };
    const error = await connectError(createRedisBackend({ url: `${redis.tlsUrl}/0`, ssl }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/not signed by a trusted CA/);
    const broker = createRedisBroker({ url: `${redis.tlsUrl}/0`, ssl });
    cleanups.push(() => broker.close());
    const brokerError = await broker.connect().then(() => new Error('connected'), (e: unknown) => e);
    expect(brokerError).toBeInstanceOf(ConfigurationError);
    expect((brokerError as Error).message).toMatch(/not signed by a trusted CA/);
  });

  it('refuses a certificate that does not name the host connected to, unless ssl_check_hostname is false', async () => {
    const wrongHost = `rediss://127.0.0.2:${redis.tlsPort}/0`;
    const ssl = { ssl_ca_certs: certs.ca, ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey };
    const error = await connectError(createRedisBackend({ url: wrongHost, ssl }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/not for the host name checked/);
    const lenient = createRedisBackend({ url: `${wrongHost}${query({ ssl_check_hostname: 'false' })}`, ssl });
    cleanups.push(() => lenient.close());
    await lenient.connect();
    expect(await lenient.get('tls-nothing-here')).toBeNull();
  });

  it('is refused by the server without a client certificate', async () => {
    // Under TLS 1.3 the server checks the client's certificate after the handshake, then sends its
    // alert and closes: the client usually writes first and sees the reset (a ConnectionError),
    // but may read the alert (a ConfigurationError). Either way connect() fails.
    const backend = createRedisBackend({ url: `${redis.tlsUrl}/0${query({ ssl_ca_certs: certs.ca })}` });
    const error = await connectError(backend);
    expect(error).toBeInstanceOf(CelerityError);
    expect((error as Error).message).toMatch(/^Redis result backend: connect failed: (?:Connection is closed|.*certificate required)/);
  });

  it('accepts any server certificate with ssl_cert_reqs=none (no CA given)', async () => {
    const url = `${redis.tlsUrl}/0${query({ ssl_cert_reqs: 'none', ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey })}`;
    const backend = createRedisBackend({ url });
    cleanups.push(() => backend.close());
    await backend.connect();
    expect(await backend.get('tls-nothing-here')).toBeNull();
  });

  it('reads the files when connecting: a missing one fails connect() with a ConfigurationError naming the setting', async () => {
    const missing = `${certs.dir}/no-such-ca.pem`;
    const backend = createRedisBackend({ url: `${redis.tlsUrl}/0`, ssl: { ssl_ca_certs: missing } }); // does not throw: nothing read yet
    const error = await connectError(backend);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(`ssl_ca_certs "${missing}" cannot be read (ENOENT)`);
    const broker = createRedisBroker({ url: `${redis.tlsUrl}/0${query({ ssl_certfile: missing })}` });
    cleanups.push(() => broker.close());
    const brokerError = await broker.connect().then(() => new Error('connected'), (e: unknown) => e);
    expect(brokerError).toBeInstanceOf(ConfigurationError);
    expect((brokerError as Error).message).toContain(`ssl_certfile "${missing}" cannot be read`);
  });
});
