/**
 * Starts a private Redis Cluster for tests and the bench: `redis-server --cluster-enabled yes` on
 * free ports (three masters and one replica each by default), joined with
 * `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes`. Uses node built-ins and the
 * `redis-cli` binary only, like the single-server launcher, so the bench can run it compiled.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { redisCliTlsArgs, type RedisServerTls } from './redis-socket.js';

const run = promisify(execFile);

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Masters to create (the slots are split evenly between them). @default 3 */
  masters?: number;
  /** Replicas per master. @default 1 */
  replicasPerMaster?: number;
  /** Address every node binds. @default '127.0.0.1' */
  host?: string;
  /**
   * `cluster-node-timeout` in ms: how long a master may stay silent before its replica takes over.
   * @default 2000
   */
  nodeTimeout?: number;
  /** The `redis-cli` binary. @default 'redis-cli' */
  cli?: string;
  /** How long to wait for every node to report `cluster_state:ok`, in ms. @default 30000 */
  startTimeout?: number;
  /**
   * Every node serves TLS only (`--port 0 --tls-port`, `--tls-cluster yes`, `--tls-replication yes`):
   * the cluster bus, replication, `redis-cli` and the clients all talk TLS. @default plain TCP
   */
  tls?: RedisServerTls;
}

/** One node as `CLUSTER NODES` lists it. */
export interface RedisClusterNode {
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** Slot ranges a master serves, e.g. `[[0, 5460]]`; empty for replicas. */
  readonly slots: ReadonlyArray<readonly [number, number]>;
}

/** A running private cluster. */
export interface RedisCluster extends AsyncDisposable {
  /** `rediscluster://host:port,host:port,…` over every node started (with `tls`, give clients the TLS settings too). */
  readonly url: string;
  /** `[{ host, port }]` of every node started, for `new Cluster(startupNodes)`. */
  readonly startupNodes: ReadonlyArray<{ host: string; port: number }>;
  /** Every server started, by port. */
  readonly servers: ReadonlyMap<number, RedisServer>;
  /** The live nodes' view of the cluster (asked of the first node still running). */
  nodes(): Promise<RedisClusterNode[]>;
  /**
   * Waits until every running node reports `cluster_state:ok`, every replica is in sync with its master
   * (else it would not take over), and `expectedMasters` live masters serve all slots.
   */
  waitHealthy(expectedMasters?: number): Promise<void>;
  /** Stops every node and removes their directory (cluster config files). */
  stop(): Promise<void>;
}

function parseNodes(text: string, servers: ReadonlyMap<number, RedisServer>): RedisClusterNode[] {
  const out: RedisClusterNode[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const port = Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]);
    const flags = fields[2] ?? '';
    if (flags.includes('fail') || flags.includes('noaddr') || !servers.get(port)?.running) continue;
    const slots = fields.slice(8).flatMap((range): Array<[number, number]> => {
      const m = /^(\d+)(?:-(\d+))?$/.exec(range);
      return m ? [[Number(m[1]), Number(m[2] ?? m[1])]] : [];
    });
    out.push({ port, role: flags.includes('master') ? 'master' : 'replica', slots });
  }
  return out;
}

/**
 * Starts `masters × (1 + replicasPerMaster)` nodes and joins them into one cluster; resolves once all
 * 16384 slots are served. Stop it with `stop()` (or `await using`).
 * @example
 * await using cluster = await startRedisCluster();
 * const broker = createRedisBroker({ url: cluster.url });
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const host = options.host ?? '127.0.0.1';
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const cli = options.cli ?? 'redis-cli';
  const startTimeout = options.startTimeout ?? 30_000;
  const servers = new Map<number, RedisServer>();
  // A directory of its own: nodes must start empty (a dump.rdb left in the shared tmpdir would load).
  const dir = await mkdtemp(join(tmpdir(), 'celerity-cluster-'));

  const stop = async (): Promise<void> => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };

  const tlsArgs = redisCliTlsArgs(options.tls);
  const ask = async (port: number, ...args: string[]): Promise<string> => (await run(cli, [...tlsArgs, '-h', host, '-p', String(port), ...args])).stdout;

  const nodes = async (): Promise<RedisClusterNode[]> => {
    for (const [port, server] of servers) {
      if (!server.running) continue;
      try {
        return parseNodes(await ask(port, 'CLUSTER', 'NODES'), servers);
      } catch {
        // this node is going away; ask the next
      }
    }
    return [];
  };

  const healthy = async (expectedMasters: number): Promise<boolean> => {
    for (const [port, server] of servers) {
      if (!server.running) continue;
      const info = await ask(port, 'CLUSTER', 'INFO').catch(() => '');
      if (!info.includes('cluster_state:ok')) return false;
      // A replica that never finished its first sync refuses to take over a failed master.
      const replication = await ask(port, 'INFO', 'replication').catch(() => '');
      if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
    }
    const live = (await nodes()).filter((n) => n.role === 'master' && n.slots.length > 0);
    const served = live.reduce((sum, n) => sum + n.slots.reduce((s, [a, b]) => s + b - a + 1, 0), 0);
    return live.length === expectedMasters && served === 16384;
  };

  const waitHealthy = async (expectedMasters = masters): Promise<void> => {
    const deadline = Date.now() + startTimeout;
    while (!(await healthy(expectedMasters))) {
      if (Date.now() > deadline) throw new Error(`Redis Cluster on ${host} was not healthy within ${startTimeout} ms`);
      await sleep(100);
    }
  };

  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      // The port is only known once started, so the files are named by index.
      const server = await startRedisServer({
        host,
        ...(options.tls === undefined ? {} : { tls: options.tls }),
        args: [...(options.tls === undefined ? [] : ['--tls-cluster', 'yes']), '--dir', dir, '--dbfilename', `dump-${i}.rdb`, '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${i}.conf`), '--cluster-node-timeout', String(options.nodeTimeout ?? 2000)],
      });
      servers.set(server.port, server);
    }
    const addresses = [...servers.keys()].map((port) => `${host}:${port}`);
    await run(cli, [...tlsArgs, '--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes']).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`redis-cli --cluster create failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`, { cause: error });
    });
    await waitHealthy();
  } catch (error) {
    await stop();
    throw error;
  }

  const startupNodes = [...servers.keys()].map((port) => ({ host, port }));
  return {
    url: `rediscluster://${startupNodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    startupNodes,
    servers,
    nodes,
    waitHealthy,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
