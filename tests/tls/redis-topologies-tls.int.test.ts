// TLS on the scale-out Redis topologies, every server started TLS-only (`--port 0`) and wanting
// client certificates, with certificates made at test time:
// - a Redis Cluster (3 masters, 1 replica each; cluster bus and replication over TLS): a worker
//   and a client do a round trip with `rediscluster://` and broker_use_ssl / redis_backend_use_ssl,
//   the backend with the URL's ssl_* query options instead; beat's store opens on it and keeps its
//   keys in one slot; without TLS settings the broker cannot connect;
// - a Sentinel topology (primary, replica and sentinels TLS-only): the round trip with
//   broker_use_ssl for the primary and sentinel_kwargs' ssl keys for the sentinels; beat's store
//   too. Without sentinel_kwargs' TLS the sentinels cannot be asked, and connect() fails; a sentinel
//   TLS file that cannot be read fails connect() with a ConfigurationError naming it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBeatStore, type BeatStore } from '@celerity/beat';
import { ConfigurationError, ConnectionError, defineTask } from '@celerity/core';
import { backendAdapter, createRedisBackend } from '@celerity/backend-redis';
import { brokerAdapter, createRedisBroker } from '@celerity/broker-redis';
import { createClient } from '@celerity/client';
import { createTestCertificates, randomSuffix, redisServerTls, startRedisCluster, startSentinelTopology } from '@celerity/testing';
import type { RedisCluster, SentinelTopology, TestCertificates } from '@celerity/testing';
import { createWorker } from '@celerity/worker';

let certs: TestCertificates;
let cluster: RedisCluster;
let sentinel: SentinelTopology;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  certs = await createTestCertificates();
  const tls = redisServerTls(certs, { authClients: true });
  [cluster, sentinel] = await Promise.all([startRedisCluster({ tls }), startSentinelTopology({ tls, replicas: 1, sentinels: 2 })]);
}, 180_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await Promise.all([cluster?.stop(), sentinel?.stop()]);
  await certs?.dispose();
}, 60_000);

const ssl = () => ({ ssl_ca_certs: certs.ca, ssl_certfile: certs.clientCert, ssl_keyfile: certs.clientKey, ssl_cert_reqs: 'required' });
const add = defineTask({ name: 'tls.topology.add', params: ['a', 'b'] }, (a: number, b: number) => a + b);

/** A worker and a client with these adapter settings: the client's result of add(a, b). */
async function roundTrip(settings: { broker: string; backend: string; brokerOptions: Record<string, unknown>; backendOptions: Record<string, unknown> }, a: number, b: number): Promise<number> {
  const queue = `tls-topology-${randomSuffix()}`;
  const common = { ...settings, adapters: [brokerAdapter, backendAdapter], defaultQueue: queue };
  const worker = createWorker({ ...common, tasks: [add], queues: [queue] });
  cleanups.push(() => worker.stop({ force: true }));
  await worker.start();
  const client = createClient(common);
  cleanups.push(() => client.close());
  const result = await client.send<[number, number], number>('tls.topology.add', [a, b]);
  return result.get({ timeout: 30 });
}

/** Beat's store on `url`: entries, the lease and a claim (a script over several of its keys). */
async function exerciseStore(store: BeatStore): Promise<void> {
  await store.put([{ name: 'tls-entry', task: 'tls.topology.add', schedule: { every: 5 }, args: [1, 2], kwargs: {}, options: {}, missed: 'run-once' }]);
  expect((await store.list()).map((e) => e.name)).toEqual(['tls-entry']);
  const token = await store.acquireLease(5000);
  expect(token).toBeGreaterThan(0);
  expect(await store.claimTick(token!, 'tls-entry', 1_000)).toBe('claimed');
  expect(await store.claimTick(token!, 'tls-entry', 1_000)).toBe('already-run');
  await store.releaseLease(token!);
}

describe('Redis Cluster, TLS only', () => {
  it('runs a round trip with broker_use_ssl / redis_backend_use_ssl on rediscluster://', { timeout: 90_000 }, async () => {
    const prefix = `celerity-test-tls-cluster-${randomSuffix()}:`;
    const result = await roundTrip(
      { broker: cluster.url, backend: cluster.url, brokerOptions: { broker_use_ssl: ssl(), global_keyprefix: prefix }, backendOptions: { redis_backend_use_ssl: ssl(), keyPrefix: prefix, expires: 60 } },
      2,
      3,
    );
    expect(result).toBe(5);
  });

  it("takes the TLS settings from the cluster URL's ssl_* query options", { timeout: 60_000 }, async () => {
    const backend = createRedisBackend({ url: `${cluster.url}?${new URLSearchParams(ssl()).toString()}`, keyPrefix: `celerity-test-tls-cluster-${randomSuffix()}:` });
    cleanups.push(() => backend.close());
    await backend.connect();
    await backend.store({ task_id: 'tls-cluster-query', status: 'SUCCESS', result: 7, traceback: null, children: [], date_done: null });
    expect((await backend.get('tls-cluster-query'))?.result).toBe(7);
  });

  it("opens beat's store (keys in one slot, ticks never pushed in the claim)", { timeout: 60_000 }, async () => {
    const prefix = `celerity-test-tls-beat-${randomSuffix()}:`;
    const { store, close } = openBeatStore(cluster.url, { ssl: ssl(), prefix });
    cleanups.push(close);
    await exerciseStore(store);
    const broker = createRedisBroker({ url: cluster.url, ssl: ssl(), keyPrefix: prefix });
    cleanups.push(() => broker.close());
    expect(await store.sharesRedisWith(broker)).toBe(false);
  });

  it('cannot connect without the TLS settings', { timeout: 60_000 }, async () => {
    const broker = createRedisBroker({ url: cluster.url, publishTimeout: 2000 });
    cleanups.push(() => broker.close());
    const error = await broker.connect().then(() => new Error('connected'), (e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/^Redis broker: connect failed: Failed to refresh slots cache/);
  });
});

describe('Redis Sentinel, TLS only', () => {
  const sentinelKwargs = (): Record<string, unknown> => ({ ssl: true, ...ssl() });

  it('runs a round trip: broker_use_ssl to the primary, sentinel_kwargs ssl to the sentinels', { timeout: 90_000 }, async () => {
    const prefix = `celerity-test-tls-sentinel-${randomSuffix()}:`;
    const transport = { master_name: sentinel.masterName, sentinel_kwargs: sentinelKwargs() };
    const result = await roundTrip(
      {
        broker: sentinel.url,
        backend: sentinel.url,
        brokerOptions: { ...transport, broker_use_ssl: ssl(), global_keyprefix: prefix },
        backendOptions: { ...transport, redis_backend_use_ssl: ssl(), keyPrefix: prefix, expires: 60 },
      },
      4,
      5,
    );
    expect(result).toBe(9);
  });

  it("opens beat's store, which may push ticks in the claim (one primary)", { timeout: 60_000 }, async () => {
    const prefix = `celerity-test-tls-beat-${randomSuffix()}:`;
    const transportOptions = { master_name: sentinel.masterName, sentinel_kwargs: sentinelKwargs() };
    const { store, close } = openBeatStore(sentinel.url, { ssl: ssl(), transportOptions, prefix });
    cleanups.push(close);
    await exerciseStore(store);
    const broker = createRedisBroker({ url: sentinel.url, masterName: sentinel.masterName, sentinelSsl: ssl(), ssl: ssl(), keyPrefix: prefix });
    cleanups.push(() => broker.close());
    expect(await store.sharesRedisWith(broker)).toBe(true);
  });

  it("fails connect() with a ConfigurationError naming a sentinel TLS file that cannot be read (broker and backend)", { timeout: 60_000 }, async () => {
    const missing = `${certs.dir}/no-such-sentinel-ca.pem`;
    const broker = createRedisBroker({ url: sentinel.url, masterName: sentinel.masterName, sentinelSsl: { ...ssl(), ssl_ca_certs: missing }, ssl: ssl() });
    cleanups.push(() => broker.close());
    const error = await broker.connect().then(() => new Error('connected'), (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(`ssl_ca_certs "${missing}" cannot be read (ENOENT)`);
    const backend = createRedisBackend({ url: sentinel.url, masterName: sentinel.masterName, sentinelSsl: { ...ssl(), ssl_ca_certs: missing }, ssl: ssl() });
    cleanups.push(() => backend.close());
    const backendError = await backend.connect().then(() => new Error('connected'), (e: unknown) => e);
    expect(backendError).toBeInstanceOf(ConfigurationError);
    expect((backendError as Error).message).toContain(`ssl_ca_certs "${missing}" cannot be read (ENOENT)`);
  });

  it('cannot ask the sentinels without their TLS settings', { timeout: 60_000 }, async () => {
    const broker = createRedisBroker({ url: sentinel.url, masterName: sentinel.masterName, ssl: ssl(), publishTimeout: 2000 });
    cleanups.push(() => broker.close());
    const error = await broker.connect().then(() => new Error('connected'), (e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/^Redis broker: connect failed: All sentinels are unreachable/);
  });
});
