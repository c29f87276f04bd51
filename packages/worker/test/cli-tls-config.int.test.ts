// The `celerity` commands over TLS with nothing but settings: CELERITY_BROKER_USE_SSL and
// CELERITY_REDIS_BACKEND_USE_SSL (Celery's broker_use_ssl / redis_backend_use_ssl) as JSON, or the
// same settings in a --config module, with plain redis:// URLs to a private Redis that serves TLS
// only and wants client certificates — so a connection only works if the settings reach the
// adapter (and beat's store). `celerity worker` (with -B), `call --wait`, `inspect ping`,
// `events --dump`, `beat` and `purge -f` each connect that way. A client made from the same
// settings (loadConfig) sends a task and reads its result over TLS. Without the broker setting the
// worker cannot connect. Last, `call`, `purge` and `beat add / list` (beat's store defaulting to
// the broker) reach a Sentinel-managed primary whose master_name comes only from
// CELERITY_BROKER_TRANSPORT_OPTIONS, and `report` hides a password inside the transport options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig } from '@celerity/core';
import { createClient } from '@celerity/client';
import { brokerAdapter } from '@celerity/broker-redis';
import { backendAdapter } from '@celerity/backend-redis';
import { createTestCertificates, redisServerTls, startRedisServer, startSentinelTopology, waitFor } from '@celerity/testing';
import type { RedisServer, TestCertificates } from '@celerity/testing';
import { celerity, spawnCelerity } from './cli-process.js';

const taskModule = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
let certs: TestCertificates;
let redis: RedisServer;
const children: Array<ReturnType<typeof spawnCelerity>> = [];
const dir = mkdtempSync(join(tmpdir(), 'celerity-cli-tls-'));

beforeAll(async () => {
  certs = await createTestCertificates();
  // TLS only (--port 0): nothing reaches this server without the TLS settings.
  redis = await startRedisServer({ tls: redisServerTls(certs, { authClients: true }) });
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.stop();
  await certs?.dispose();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

const exitOf = (child: ReturnType<typeof spawnCelerity>): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

describe('celerity worker: TLS settings from the environment', () => {
  it('connects broker and backend over TLS with CELERITY_BROKER_USE_SSL / CELERITY_REDIS_BACKEND_USE_SSL; a client from the same settings gets the result', async () => {
    const ssl = JSON.stringify({ ssl_ca_certs: certs.ca, ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey, ssl_cert_reqs: 'required' });
    const url = `redis://127.0.0.1:${redis.port}/0`;
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
    const url = `redis://127.0.0.1:${redis.port}/0`;
    const worker = spawnCelerity(['worker', '-A', taskModule, '-l', 'info', '--connect-retries', '0'], { env: { CELERITY_BROKER_URL: url } });
    children.push(worker);
    const code = await exitOf(worker);
    expect(code).not.toBe(0);
    expect(worker.output()).not.toContain('ready.');
  }, 90_000);
});

describe('every command: TLS settings from the environment or a --config module only', () => {
  it('worker -B, call --wait, inspect ping, events --dump, beat and purge -f connect over TLS', async () => {
    const id = crypto.randomUUID();
    const url = `redis://127.0.0.1:${redis.port}/0`;
    const ssl = { ssl_ca_certs: certs.ca, ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey, ssl_cert_reqs: 'required' };
    const queue = `celerity-tls-cmd-${id}`;
    const node = `tls-${id}@test`;
    const env = {
      CELERITY_BROKER_URL: url,
      CELERITY_RESULT_BACKEND: url,
      CELERITY_BROKER_USE_SSL: JSON.stringify(ssl),
      CELERITY_REDIS_BACKEND_USE_SSL: JSON.stringify(ssl),
      CELERITY_TASK_DEFAULT_QUEUE: queue,
    };
    // The same settings as a configuration module (plain .mjs: no loader needed).
    const configModule = join(dir, `tls-${id}.mjs`);
    writeFileSync(configModule, `export default ${JSON.stringify({ brokerUrl: url, resultBackend: url, brokerUseSsl: ssl, redisBackendUseSsl: ssl, taskDefaultQueue: queue })};\n`);
    const schedule = (name: string, target: string): string => JSON.stringify({ [name]: { task: 'test.add', schedule: 1, args: [1, 2], options: { queue: target } } });
    const workerBeatQueue = `${queue}-worker-beat`;
    const beatQueue = `${queue}-beat`;
    // A direct TLS connection, to watch the queues the beats send to (no worker consumes them).
    const watcher = new Redis({ host: '127.0.0.1', port: redis.port, tls: { ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } });
    try {
      const worker = spawnCelerity(['worker', '-A', taskModule, '-n', node, '-B', '--beat-prefix', `${queue}:worker-beat:`, '--connect-retries', '0'], {
        env: { ...env, CELERITY_BEAT_SCHEDULE: schedule('worker-beat-add', workerBeatQueue) },
      });
      children.push(worker);
      await waitFor(() => worker.output().includes('ready.'), { timeout: 45_000 });

      const called = await celerity(['call', 'test.add', '-a', '[20, 22]', '--wait', '--timeout', '30'], { env });
      expect(called).toMatchObject({ code: 0, stderr: '' });
      expect(called.stdout.trim().split('\n')[1]).toBe('42');

      const pinged = await celerity(['inspect', 'ping', '--config', configModule, '-d', node, '-j', '-t', '2']);
      expect(pinged).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(pinged.stdout)).toEqual({ [node]: { ok: 'pong' } });

      const events = spawnCelerity(['events', '--dump'], { env: { CELERITY_CONFIG_MODULE: configModule } });
      children.push(events);
      await waitFor(() => events.output().includes(`${node} [`), { timeout: 30_000 });
      events.kill('SIGINT');
      expect(await exitOf(events)).toBe(130);

      const beat = spawnCelerity(['beat', '--prefix', `${queue}:beat:`, '--lease', '2', '--poll', '0.2'], { env: { ...env, CELERITY_BEAT_SCHEDULE: schedule('beat-add', beatQueue) } });
      children.push(beat);
      await waitFor(async () => (await watcher.llen(beatQueue)) >= 1, { timeout: 30_000 });
      beat.kill('SIGTERM');
      expect(await exitOf(beat)).toBe(0);
      // The store is the broker's Redis (TLS from the same settings): ticks were pushed in the claim's script.
      expect(beat.output()).toContain('beat: ticks claimed and queued in one Redis script');
      await waitFor(async () => (await watcher.llen(workerBeatQueue)) >= 1, { timeout: 30_000 });

      const waiting = await watcher.llen(beatQueue);
      const purged = await celerity(['purge', '-f', '-Q', beatQueue, '--json'], { env });
      expect(purged).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(purged.stdout)).toEqual({ queues: { [beatQueue]: waiting }, total: waiting });
      expect(await watcher.llen(beatQueue)).toBe(0);

      worker.kill('SIGTERM');
      expect(await exitOf(worker)).toBe(0);
    } finally {
      watcher.disconnect();
    }
  }, 180_000);
});

describe('commands on Sentinel: master_name from the environment only', () => {
  it('call, purge and beat add / list reach the primary with CELERITY_BROKER_TRANSPORT_OPTIONS; without it they say master_name is missing', async () => {
    await using topology = await startSentinelTopology({ replicas: 0, sentinels: 1 });
    const queue = `celerity-sentinel-cmd-${crypto.randomUUID()}`;
    const env = { CELERITY_BROKER_URL: topology.url, CELERITY_BROKER_TRANSPORT_OPTIONS: JSON.stringify({ master_name: topology.masterName }) };
    expect(await celerity(['call', 'test.add', '-a', '[1, 1]', '-Q', queue], { env })).toMatchObject({ code: 0, stderr: '' });
    const purged = await celerity(['purge', '-f', '-Q', queue, '--json'], { env });
    expect(purged).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(purged.stdout)).toEqual({ queues: { [queue]: 1 }, total: 1 });
    // beat's store defaults to the broker's Redis: the same primary, found with the same master_name.
    const beatEnv = { ...env, CELERITY_BEAT_STORE_URL: '' };
    const prefix = `${queue}:beat:`;
    expect(await celerity(['beat', 'add', 'sentinel-add', '--task', 'test.add', '--every', '30', '--prefix', prefix], { env: beatEnv })).toMatchObject({ code: 0, stderr: '' });
    const listed = await celerity(['beat', 'list', '--json', '--prefix', prefix], { env: beatEnv });
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(listed.stdout) as Array<{ name: string }>).map((e) => e.name)).toEqual(['sentinel-add']);

    const without = await celerity(['purge', '-f', '-Q', queue], { env: { CELERITY_BROKER_URL: topology.url } });
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain("'master_name' transport option must be specified");
  }, 90_000);

  it('report hides the secrets inside the transport options', async () => {
    const env = { CELERITY_BROKER_TRANSPORT_OPTIONS: JSON.stringify({ master_name: 'mymaster', sentinel_kwargs: { password: 'sentinel-s3cret' } }) };
    const report = await celerity(['report', '--json'], { env });
    expect(report.code).toBe(0);
    expect(report.stdout).not.toContain('sentinel-s3cret');
    const config = (JSON.parse(report.stdout) as { config: Record<string, unknown> }).config;
    expect(config['brokerTransportOptions']).toEqual({ master_name: 'mymaster', sentinel_kwargs: { password: '********' } });
  }, 30_000);
});
