/** Connecting: vhost and credentials from the URL, connection name and heartbeat, typed failures. */
import { ConfigurationError, ConnectionError } from '@celerity/core';
import { freePort } from '@celerity/testing';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAmqpBroker } from '../src/index.js';
import { createTestVhost, type TestVhost } from './vhost.js';

let vhost: TestVhost;
beforeAll(async () => {
  vhost = await createTestVhost();
});
afterAll(async () => {
  await vhost?.dispose();
});

it('connects to the vhost of the URL with its name and heartbeat, visible to rabbitmqctl', async () => {
  const name = `celerity-${vhost.name}`;
  await using broker = createAmqpBroker({ url: `${vhost.url}?heartbeat=17`, connectionName: name });
  await broker.connect();
  expect(broker.vhost).toBe(vhost.name);
  expect(broker.url).not.toContain('guest:guest');
  const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', 'list_connections', 'vhost', 'client_properties', 'timeout', '--formatter', 'json']);
  const rows = JSON.parse(stdout) as Array<{ vhost: string; timeout: number; client_properties: Array<[string, string, unknown]> }>;
  const ours = rows.find((r) => r.client_properties.some(([key, , value]) => key === 'connection_name' && value === name));
  expect(ours).toMatchObject({ vhost: vhost.name, timeout: 17 });
});

it('fails with ConfigurationError for wrong credentials or an unknown vhost', async () => {
  await using wrongPassword = createAmqpBroker({ url: vhost.url.replace('guest:guest', 'guest:wrong') });
  await expect(wrongPassword.connect()).rejects.toBeInstanceOf(ConfigurationError);
  await using noVhost = createAmqpBroker({ url: 'amqp://guest:guest@127.0.0.1:5672/celerity-no-such-vhost' });
  await expect(noVhost.connect()).rejects.toBeInstanceOf(ConfigurationError);
});

it('fails with ConnectionError when nothing listens, after publishTimeout', async () => {
  const port = await freePort();
  await using broker = createAmqpBroker({ url: `amqp://127.0.0.1:${port}//`, publishTimeout: 300 });
  await expect(broker.connect()).rejects.toBeInstanceOf(ConnectionError);
  const envelope = { body: Buffer.from('1'), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} };
  await expect(broker.publish({ queue: 'q' }, envelope)).rejects.toThrow(/No connection to RabbitMQ at amqp:\/\/127\.0\.0\.1/);
});
