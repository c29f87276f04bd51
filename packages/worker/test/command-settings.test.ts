// loadCommandSettings: what every `celerity` command connects with — a --config module (or
// CELERITY_CONFIG_MODULE) under the CELERITY_* variables under flags, and the adapter options the
// transport and TLS settings give. And openCommandBroker handing them to the adapter.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@celerity/core';
import { beatStoreConnection } from '../src/cli/beat-process.js';
import { loadCommandSettings, openCommandBroker } from '../src/cli/command-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'celerity-settings-'));
const VARIABLES = ['CELERITY_BROKER_URL', 'CELERITY_RESULT_BACKEND', 'CELERY_BROKER_URL', 'CELERY_RESULT_BACKEND', 'CELERITY_CONFIG_MODULE', 'CELERITY_BROKER_TRANSPORT_OPTIONS', 'CELERITY_RESULT_BACKEND_TRANSPORT_OPTIONS', 'CELERITY_BROKER_USE_SSL', 'CELERITY_REDIS_BACKEND_USE_SSL'];

function environment(values: Record<string, string>): void {
  for (const name of VARIABLES) vi.stubEnv(name, values[name] ?? '');
}

function configModule(settings: Record<string, unknown>): string {
  const file = join(dir, `config-${crypto.randomUUID()}.mjs`);
  writeFileSync(file, `export default ${JSON.stringify(settings)};\n`);
  return file;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadCommandSettings', () => {
  it('gives memory:// and no options when nothing is set', async () => {
    environment({});
    expect(await loadCommandSettings()).toMatchObject({ brokerUrl: 'memory://', backendUrl: undefined, brokerOptions: {}, backendOptions: {} });
  });

  it('maps the transport and TLS variables to adapter options under Celery\'s names', async () => {
    environment({
      CELERITY_BROKER_URL: 'sentinel://127.0.0.1:26379',
      CELERITY_RESULT_BACKEND: 'redis://127.0.0.1:6379/1',
      CELERITY_BROKER_TRANSPORT_OPTIONS: '{"master_name":"mymaster","sentinel_kwargs":{"ssl":true}}',
      CELERITY_RESULT_BACKEND_TRANSPORT_OPTIONS: '{"global_keyprefix":"app:"}',
      CELERITY_BROKER_USE_SSL: '{"ssl_ca_certs":"/ca.pem"}',
      CELERITY_REDIS_BACKEND_USE_SSL: 'true',
    });
    const settings = await loadCommandSettings();
    expect(settings.brokerUrl).toBe('sentinel://127.0.0.1:26379');
    expect(settings.backendUrl).toBe('redis://127.0.0.1:6379/1');
    expect(settings.brokerOptions).toEqual({ master_name: 'mymaster', sentinel_kwargs: { ssl: true }, broker_use_ssl: { ssl_ca_certs: '/ca.pem' } });
    expect(settings.backendOptions).toEqual({ global_keyprefix: 'app:', redis_backend_use_ssl: true });
  });

  it('reads --config (else CELERITY_CONFIG_MODULE) beneath the variables, and flags over both', async () => {
    const module = configModule({ brokerUrl: 'redis://from-module/0', resultBackend: 'redis://from-module/1', brokerUseSsl: { ssl_cert_reqs: 'none' }, brokerTransportOptions: { visibility_timeout: 5 } });
    environment({ CELERITY_CONFIG_MODULE: module, CELERITY_BROKER_USE_SSL: 'true' });
    const fromVariable = await loadCommandSettings();
    expect(fromVariable.brokerUrl).toBe('redis://from-module/0');
    expect(fromVariable.brokerOptions).toEqual({ visibility_timeout: 5, broker_use_ssl: true });
    const other = configModule({ brokerUrl: 'redis://other/0' });
    const flagged = await loadCommandSettings({ config: other, broker: 'redis://flag/0', resultBackend: 'redis://flag/1' });
    expect(flagged).toMatchObject({ brokerUrl: 'redis://flag/0', backendUrl: 'redis://flag/1', brokerOptions: { broker_use_ssl: true } });
    expect((await loadCommandSettings({ config: other })).brokerUrl).toBe('redis://other/0');
  });

  it('names a bad variable', async () => {
    environment({ CELERITY_BROKER_TRANSPORT_OPTIONS: '[1]' });
    await expect(loadCommandSettings()).rejects.toThrow(ConfigurationError);
    await expect(loadCommandSettings()).rejects.toThrow(/CELERITY_BROKER_TRANSPORT_OPTIONS/);
  });
});

describe('openCommandBroker', () => {
  it('hands the adapter the options: a sentinel:// broker without master_name is refused, with it made', async () => {
    environment({ CELERITY_BROKER_URL: 'sentinel://127.0.0.1:1' });
    await expect(openCommandBroker(await loadCommandSettings())).rejects.toThrow(/'master_name' transport option must be specified/);
    environment({ CELERITY_BROKER_URL: 'sentinel://127.0.0.1:1', CELERITY_BROKER_TRANSPORT_OPTIONS: '{"master_name":"mymaster"}' });
    const broker = await openCommandBroker(await loadCommandSettings());
    // Made, not connected: nothing to reach on port 1.
    await broker.close();
  });
});

describe("beat's store connection", () => {
  const config = { brokerUseSsl: { ssl_ca_certs: '/ca.pem' }, brokerTransportOptions: { master_name: 'mymaster' } };

  it("takes a Redis broker's TLS setting and transport options", () => {
    for (const brokerUrl of ['redis://h/0', 'rediss://h/0', 'sentinel://h:26379', 'rediscluster://h:7000']) {
      expect(beatStoreConnection({ brokerUrl, config }), brokerUrl).toEqual({ ssl: { ssl_ca_certs: '/ca.pem' }, transportOptions: { master_name: 'mymaster' } });
    }
    expect(beatStoreConnection({ brokerUrl: 'redis://h/0', config: {} })).toEqual({});
  });

  it("leaves an AMQP broker's settings out (they are not Redis settings)", () => {
    expect(beatStoreConnection({ brokerUrl: 'amqps://rabbit//', config: { brokerUseSsl: { ca_certs: '/ca.pem' } } })).toEqual({});
  });
});
