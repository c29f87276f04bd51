/**
 * Python Celery 5.2 and Celerity over TLS to one Redis that wants client certificates: the Python
 * worker uses Celery's broker_use_ssl / redis_backend_use_ssl, Celerity the same settings as
 * rediss:// query options, all with certificates made at test time. A Celerity client's task runs
 * on the Python worker and its result comes back; a Python client's task runs on a Celerity worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { createTestCertificates, randomSuffix, startTlsRedisServer } from '@celerity/testing';
import type { TestCertificates, TlsRedisServer } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { isAvailable, pythonCeleryStatus, sendFromPython, startPythonWorker } from './harness/python.js';
import type { PythonWorker } from './harness/python.js';
import * as interopTasks from './ts-tasks.js';

const entry = pythonCeleryStatus()['5.2'];

function suite(): void {
  let certs: TestCertificates;
  let redis: TlsRedisServer;
  let pyWorker: PythonWorker;
  let env: Record<string, string>;
  let url: string;
  const queue = `tls-${randomSuffix()}`;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    certs = await createTestCertificates();
    redis = await startTlsRedisServer({ certificates: certs, authClients: true });
    const files = { ssl_ca_certs: certs.ca, ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey };
    url = `${redis.tlsUrl}/0?${new URLSearchParams({ ssl_cert_reqs: 'required', ...files }).toString()}`;
    // Celery 5.2's backend wants ssl_cert_reqs in a rediss:// URL; kombu 5.2 given a query in the
    // broker URL did not use broker_use_ssl's CA (certificate verify failed), so its URL has none.
    const pyUrl = `${redis.tlsUrl}/0?ssl_cert_reqs=required`;
    env = { BROKER_URL: `${redis.tlsUrl}/0`, RESULT_BACKEND: pyUrl, QUEUE: queue, SSL_CA_CERTS: certs.ca, SSL_CERTFILE: certs.clientCert, SSL_KEYFILE: certs.clientKey };
    pyWorker = await startPythonWorker({ version: '5.2', env, queues: [queue] });
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await pyWorker?.stop();
    await redis?.stop();
    await certs?.dispose();
  });

  it('a Celerity client sends over rediss://, the Python worker runs the task, the result comes back', async () => {
    const client = createClient({ broker: createRedisBroker({ url }), backend: createRedisBackend({ url }) });
    closers.push(() => client.close());
    const result = await client.send<[number, number], number>('tasks.add', [20, 22], { queue });
    expect(await result.get({ timeout: 60 })).toBe(42);
  });

  it('a Python client sends over TLS, a Celerity worker runs the task', async () => {
    await pyWorker.stop();
    const worker = createWorker({ broker: createRedisBroker({ url }), backend: createRedisBackend({ url }), tasks: interopTasks, queues: [queue] });
    closers.push(() => worker.stop({ force: true }));
    await worker.start();
    const sent = await sendFromPython('5.2', 'tasks.add', [1, 2], { queue, wait: 60 }, env);
    expect(sent.result).toBe(3);
  });
}

if (isAvailable(entry)) describe(`Python Celery ${entry.celery} ↔ Celerity over TLS to Redis`, suite);
else describe.skip(`Python Celery 5.2 ↔ Celerity over TLS to Redis: ${entry.unavailable}`, suite);
