/**
 * Python Celery and Celerity on the same `sentinel://` broker and result backend URL (kombu's
 * Sentinel transport, Celery's SentinelBackend, `master_name` in both transport options), over a
 * Sentinel topology this file starts: a task each way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAdapter } from '@celerity/backend-redis';
import { brokerAdapter } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import type { Client } from '@celerity/client';
import { startSentinelTopology, type SentinelTopology } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import type { Worker } from '@celerity/worker';
import type { PythonCeleryVersion, PythonWorker } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, sendFromPython, startPythonWorker } from './harness/python.js';
import * as interopTasks from './ts-tasks.js';

const status = pythonCeleryStatus();

function suite(version: PythonCeleryVersion): void {
  let topology: SentinelTopology;
  let pyWorker: PythonWorker | undefined;
  let tsWorker: Worker | undefined;
  let client: Client | undefined;
  let url: string;
  const tsQueue = `ts-sentinel-${crypto.randomUUID()}`;
  const pyQueue = `py-sentinel-${crypto.randomUUID()}`;

  beforeAll(async () => {
    topology = await startSentinelTopology();
    url = topology.url.replace(';', '/4;');
    const options = { master_name: topology.masterName };
    const adapters = [brokerAdapter, backendAdapter];
    tsWorker = createWorker({ broker: url, backend: url, adapters, tasks: interopTasks, queues: [tsQueue], brokerOptions: options, backendOptions: options });
    await tsWorker.start();
    client = createClient({ broker: url, backend: url, adapters, brokerOptions: options, backendOptions: options });
    pyWorker = await startPythonWorker({ version, env: { BROKER_URL: url, RESULT_BACKEND: url, MASTER_NAME: topology.masterName, QUEUE: pyQueue }, queues: [pyQueue] });
  }, 120_000);

  afterAll(async () => {
    await pyWorker?.stop();
    await client?.close();
    await tsWorker?.stop();
    await topology?.stop();
  }, 60_000);

  it('a Celerity client gets a Python worker’s result, and a Python client a Celerity worker’s', async () => {
    const fromPy = await client!.send<[number, number], number>('tasks.add', [2, 3], { queue: pyQueue });
    expect(await fromPy.get({ timeout: 60 })).toBe(5);
    const out = await sendFromPython(version, 'tasks.add', [4, 5], { queue: tsQueue, wait: 60 }, { BROKER_URL: url, RESULT_BACKEND: url, MASTER_NAME: topology.masterName });
    expect(out).toMatchObject({ state: 'SUCCESS', result: 9 });
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  if (isAvailable(entry)) describe(`Python Celery ${entry.celery} ↔ Celerity on sentinel://`, () => suite(version));
  else describe.skip(`Python Celery ${version} ↔ Celerity on sentinel://: ${entry.unavailable}`, () => suite(version));
}
