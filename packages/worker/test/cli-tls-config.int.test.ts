// `celerity worker` over TLS with nothing but settings: CELERITY_BROKER_USE_SSL and
// CELERITY_REDIS_BACKEND_USE_SSL (Celery's broker_use_ssl / redis_backend_use_ssl) as JSON, with
// plain redis:// URLs to the TLS port of a private Redis that wants client certificates — so the
// connection only works if the settings reach both adapters. A client made from the same settings
// (loadConfig) sends a task and reads its result over TLS. Without the broker setting the same
// command cannot connect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@celerity/core';
import { createClient } from '@celerity/client';
import { brokerAdapter } from '@celerity/broker-redis';
import { backendAdapter } from '@celerity/backend-redis';
import { createTestCertificates, startTlsRedisServer, waitFor } from '@celerity/testing';
import type { TestCertificates, TlsRedisServer } from '@celerity/testing';
import { spawnCelerity } from './cli-process.js';

const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
let certs: TestCertificates;
let redis: TlsRedisServer;
const children: Array<ReturnType<typeof spawnCelerity>> = [];

beforeAll(async () => {
  certs = await createTestCertificates();
  redis = await startTlsRedisServer({ certificates: certs, authClients: true });
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.stop();
  await certs?.dispose();
}, 30_000);

const exitOf = (child: ReturnType<typeof spawnCelerity>): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

describe('celerity worker: TLS settings from the environment', () => {
  it('connects broker and backend over TLS with CELERITY_BROKER_USE_SSL / CELERITY_REDIS_BACKEND_USE_SSL; a client from the same settings gets the result', async () => {
    const ssl = JSON.stringify({ ssl_ca_certs: certs.ca, ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey, ssl_cert_reqs: 'required' });
    const url = `redis://127.0.0.1:${redis.tlsPort}/0`;
    const env = {
      CELERITY_BROKER_URL: url,
      CELERITY_RESULT_BACKEND: url,
      CELERITY_BROKER_USE_SSL: ssl,
      CELERITY_REDIS_BACKEND_USE_SSL: ssl,
      CELERITY_TASK_DEFAULT_QUEUE: `celerity-tls-cfg-${crypto.randomUUID()}`,
    };
    const worker = spawnCelerity(['worker', '-A', taskModule, '-l', 'info', '--connect-retries', '0'], { env });
    children.push(worker);
    await waitFor(() => worker.output().includes('ready.'), { timeout: 45_000 });

    const client = createClient({ config: loadConfig({ env }), adapters: [brokerAdapter, backendAdapter] });
    try {
      const result = await client.send<[number, number], number>('test.add', [20, 22]);
      expect(await result.get({ timeout: 30 })).toBe(42);
    } finally {
      await client.close();
    }
    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
  }, 90_000);

  it('cannot connect to the same TLS port when the broker setting is missing', async () => {
    const url = `redis://127.0.0.1:${redis.tlsPort}/0`;
    const worker = spawnCelerity(['worker', '-A', taskModule, '-l', 'info', '--connect-retries', '0'], { env: { CELERITY_BROKER_URL: url } });
    children.push(worker);
    const code = await exitOf(worker);
    expect(code).not.toBe(0);
    expect(worker.output()).not.toContain('ready.');
  }, 90_000);
});
