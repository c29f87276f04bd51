// TLS to RabbitMQ for real: certificates made at test time and a private RabbitMQ node with an
// amqps listener that wants client certificates (verify_peer, fail_if_no_peer_cert). A worker and
// a client do a round trip with Celery's broker_use_ssl (broker and rpc:// results over the same
// TLS connection); an untrusted CA, a wrong server_hostname and a missing client certificate are
// refused with one ConfigurationError, and cert_reqs=none accepts the server without a CA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, defineTask } from '@celerity/core';
import { backendAdapter, brokerAdapter, createAmqpBroker, createRpcBackend } from '@celerity/broker-amqp';
import type { AmqpSslSettings } from '@celerity/broker-amqp';
import { createClient } from '@celerity/client';
import { createTestCertificates, freePort, rabbitTlsConfig, startRabbitServer } from '@celerity/testing';
import type { RabbitServer, TestCertificates } from '@celerity/testing';
import { createWorker } from '@celerity/worker';

let certs: TestCertificates;
let rabbit: RabbitServer;
let tlsPort: number;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  certs = await createTestCertificates();
  tlsPort = await freePort();
  rabbit = await startRabbitServer({ config: rabbitTlsConfig(certs, tlsPort, { requireClientCert: true }) });
}, 180_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await rabbit?.dispose();
  await certs?.dispose();
}, 120_000);

const amqpsUrl = (): string => `amqps://guest:guest@127.0.0.1:${tlsPort}//`;
const withClientCert = (): AmqpSslSettings => ({ ca_certs: certs.ca, certfile: certs.clientCert, keyfile: certs.clientKey });

/** connect() of a broker with these settings: resolves to its error, or to 'connected'. */
async function connectOutcome(ssl: AmqpSslSettings, url = amqpsUrl()): Promise<unknown> {
  // No reconnect backoff worth waiting for: every attempt here fails the same way or succeeds.
  const broker = createAmqpBroker({ url, ssl, publishTimeout: 20_000 });
  cleanups.push(() => broker.close());
  return broker.connect().then(
    () => 'connected',
    (error: unknown) => error,
  );
}

const add = defineTask({ name: 'tls.add', params: ['a', 'b'] }, (a: number, b: number) => a + b);

describe('RabbitMQ over TLS', () => {
  it('runs a task round trip with broker_use_ssl (amqp:// turned into TLS) and rpc:// results on the same connection', { timeout: 90_000 }, async () => {
    const settings = {
      adapters: [brokerAdapter, backendAdapter],
      // The listener speaks only TLS: broker_use_ssl is what makes this amqp:// URL work.
      broker: `amqp://guest:guest@127.0.0.1:${tlsPort}//`,
      backend: 'rpc://',
      brokerOptions: { broker_use_ssl: { ...withClientCert(), cert_reqs: 'CERT_REQUIRED', server_hostname: 'localhost' } },
    };
    const worker = createWorker({ ...settings, tasks: [add] });
    cleanups.push(() => worker.stop({ force: true }));
    await worker.start();
    const client = createClient(settings);
    cleanups.push(() => client.close());
    const result = await client.send<[number, number], number>('tls.add', [4, 5]);
    expect(await result.get({ timeout: 60 })).toBe(9);
  });

  it('gives an rpc:// backend of its own connection (no broker) the same settings', async () => {
    const backend = createRpcBackend({ url: `amqp://guest:guest@127.0.0.1:${tlsPort}//`, ssl: withClientCert() });
    cleanups.push(() => backend.close());
    await backend.connect();
    const refused = createRpcBackend({ url: amqpsUrl(), ssl: { ...withClientCert(), ca_certs: certs.otherCa } });
    cleanups.push(() => refused.close());
    await expect(refused.connect()).rejects.toThrow(/not signed by a trusted CA/);
  });

  it('refuses a server whose certificate is signed by a CA it does not trust, with one ConfigurationError', async () => {
    const error = await connectOutcome({ ...withClientCert(), ca_certs: certs.otherCa });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/not signed by a trusted CA/);
  });

  it('refuses a certificate that does not carry server_hostname', async () => {
    const error = await connectOutcome({ ...withClientCert(), server_hostname: 'wrong.example' });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/not for the host name checked.*wrong\.example/);
  });

  it('is refused by the server without a client certificate', async () => {
    const error = await connectOutcome({ ca_certs: certs.ca });
    // RabbitMQ sends TLS 1.3's "certificate required" alert, which the client reads.
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/the server refused the connection .*certificate required/);
  });

  it('accepts any server certificate with cert_reqs=none (no CA given)', async () => {
    expect(await connectOutcome({ cert_reqs: 'CERT_NONE', certfile: certs.clientCert, keyfile: certs.clientKey })).toBe('connected');
  });

  it('reads the files when connecting: a missing one fails connect() with a ConfigurationError naming the setting', async () => {
    const missing = `${certs.dir}/no-such-ca.pem`;
    const error = await connectOutcome({ ...withClientCert(), ca_certs: missing });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(`ca_certs "${missing}" cannot be read (ENOENT)`);
  });
});
