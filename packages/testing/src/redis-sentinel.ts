/**
 * A private Redis Sentinel topology for failover tests: a primary, replicas and sentinels
 * (`redis-server <conf> --sentinel`), each on a free port, torn down together. Sentinel timings
 * are set low so a killed primary is replaced in a few seconds rather than Sentinel's default 30 s+.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer } from './redis-server.js';
import type { RedisServer } from './redis-server.js';
import { openRedisSocket, respCommand, type RedisServerTls } from './redis-socket.js';

/** Options of {@link startSentinelTopology}. */
export interface SentinelTopologyOptions {
  /** Name the sentinels monitor the primary under (Celery's `master_name`). @default 'mymaster' */
  masterName?: string;
  /** Replicas of the primary. @default 2 */
  replicas?: number;
  /** Sentinels (the quorum is a majority of them). @default 3 */
  sentinels?: number;
  /** Sentinel's `down-after-milliseconds`: how long the primary may not answer before it is down. @default 1000 */
  downAfterMs?: number;
  /** Sentinel's `failover-timeout`. @default 4000 */
  failoverTimeoutMs?: number;
  /** `requirepass` of the sentinels (clients pass it as `sentinel_kwargs={'password': …}`). @default none */
  sentinelPassword?: string;
  /** How long to wait for replicas to sync and sentinels to see each other, in ms. @default 30000 */
  startTimeout?: number;
  /**
   * The primary, the replicas and the sentinels serve TLS only (`--port 0 --tls-port`, replication
   * and the sentinels' links over TLS). Clients need TLS settings for both kinds of connection:
   * `ssl` for the primary, `sentinelSsl` (`sentinel_kwargs`' `ssl` keys) for the sentinels. @default plain TCP
   */
  tls?: RedisServerTls;
}

/** A running topology. */
export interface SentinelTopology extends AsyncDisposable {
  readonly masterName: string;
  /** The data nodes: the initial primary first, then the replicas. */
  readonly nodes: readonly RedisServer[];
  readonly sentinels: readonly RedisServer[];
  /** `sentinel://127.0.0.1:p1;sentinel://127.0.0.1:p2;…` (append a db to the first part if needed). */
  readonly url: string;
  /** The primary's address as the sentinels report it now (asks the first sentinel that answers). */
  primaryPort(): Promise<number>;
  /** The data node now primary per the sentinels, once it answers `ROLE` as master; waits up to `timeout` ms for a change away from `notPort`. */
  waitForPrimary(options?: { notPort?: number; timeout?: number }): Promise<RedisServer>;
  /** Replicas of a node that finished their sync (`state=online` in its `INFO replication`). */
  syncedReplicas(node: RedisServer): Promise<number>;
  /** Stops every process and removes the sentinels' config files. */
  stop(): Promise<void>;
}

/**
 * Sends one command (after AUTH, when given) and returns the raw reply text once `complete` says
 * it is whole, or undefined on error / timeout. Raw text is all these checks need.
 */
function query(port: number, args: readonly string[], complete: (text: string) => boolean, password: string | undefined, tls: RedisServerTls | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = openRedisSocket('127.0.0.1', port, tls, () => socket.write((password === undefined ? '' : respCommand('AUTH', password)) + respCommand(...args)));
    let text = '';
    const done = (value: string | undefined): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(2000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const body = password === undefined ? text : text.replace(/^\+OK\r\n/, '');
      if (body.startsWith('-')) done(undefined);
      else if (complete(body)) done(body);
    });
  });
}

/** Whether `text` holds a whole bulk string reply (`$<n>\r\n<n bytes>\r\n`). */
function wholeBulk(text: string): boolean {
  const header = /^\$(\d+)\r\n/.exec(text);
  return header !== null && Buffer.byteLength(text) >= header[0].length + Number(header[1]) + 2;
}

/**
 * Starts a primary, `replicas` replicas and `sentinels` sentinels on free ports of 127.0.0.1 and
 * resolves once every replica is linked and every sentinel knows the others and the replicas.
 * @example
 * await using topology = await startSentinelTopology();
 * const broker = createRedisBroker({ url: topology.url, masterName: topology.masterName });
 * await topology.nodes[0]!.kill();
 * const next = await topology.waitForPrimary({ notPort: topology.nodes[0]!.port });
 */
export async function startSentinelTopology(options: SentinelTopologyOptions = {}): Promise<SentinelTopology> {
  const masterName = options.masterName ?? 'mymaster';
  const replicaCount = options.replicas ?? 2;
  const sentinelCount = options.sentinels ?? 3;
  const startTimeout = options.startTimeout ?? 30_000;
  const password = options.sentinelPassword;
  const tls = options.tls;
  const withTls = tls === undefined ? {} : { tls };
  const dir = await mkdtemp(join(tmpdir(), 'celerity-sentinel-'));
  const nodes: RedisServer[] = [];
  const sentinels: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all([...sentinels, ...nodes].map((server) => server.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Redis 7 waits 5 s before a diskless full sync (to gather more replicas): not here.
    const nodeArgs = ['--repl-diskless-sync-delay', '0'];
    const primary = await startRedisServer({ args: nodeArgs, ...withTls });
    nodes.push(primary);
    for (let i = 0; i < replicaCount; i++) {
      nodes.push(await startRedisServer({ args: [...nodeArgs, '--replicaof', '127.0.0.1', String(primary.port)], ...withTls }));
    }
    const quorum = Math.floor(sentinelCount / 2) + 1;
    for (let i = 0; i < sentinelCount; i++) {
      const file = join(dir, `sentinel-${i}.conf`);
      const lines = [
        `sentinel monitor ${masterName} 127.0.0.1 ${primary.port} ${quorum}`,
        `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 4000}`,
        `sentinel parallel-syncs ${masterName} 1`,
        ...(password === undefined ? [] : [`requirepass ${password}`, `sentinel sentinel-pass ${password}`]),
      ];
      await writeFile(file, `${lines.join('\n')}\n`);
      sentinels.push(await startRedisServer({ configFile: file, args: ['--sentinel'], ...(password === undefined ? {} : { password }), ...withTls }));
    }
    const topology = createHandle(masterName, nodes, sentinels, password, tls, stop);
    // Ready when the replicas are in sync and each sentinel has found the replicas and the other sentinels.
    const deadline = Date.now() + startTimeout;
    for (;;) {
      const linked = (await topology.syncedReplicas(primary)) >= replicaCount;
      const known = await Promise.all(sentinels.map((s) => sentinelKnows(s.port, masterName, password, tls)));
      if (linked && known.every((k) => k.replicas >= replicaCount && k.sentinels >= sentinelCount - 1)) return topology;
      if (Date.now() > deadline) throw new Error(`Sentinel topology not ready within ${startTimeout} ms`);
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Replicas and other sentinels a sentinel knows of for `masterName` (from `SENTINEL MASTER`). */
async function sentinelKnows(port: number, masterName: string, password: string | undefined, tls: RedisServerTls | undefined): Promise<{ replicas: number; sentinels: number }> {
  const reply = await query(port, ['SENTINEL', 'MASTER', masterName], (t) => /other-sentinels\r\n:\d+\r\n/.test(t) || /other-sentinels\r\n\$\d+\r\n\d+\r\n/.test(t), password, tls);
  const field = (name: string): number => Number(new RegExp(`${name}\\r\\n(?::|\\$\\d+\\r\\n)(\\d+)\\r\\n`).exec(reply ?? '')?.[1] ?? 0);
  return { replicas: field('num-slaves'), sentinels: field('num-other-sentinels') };
}

function createHandle(
  masterName: string,
  nodes: readonly RedisServer[],
  sentinels: readonly RedisServer[],
  password: string | undefined,
  tls: RedisServerTls | undefined,
  stop: () => Promise<void>,
): SentinelTopology {
  const primaryPort = async (): Promise<number> => {
    for (const sentinel of sentinels) {
      if (!sentinel.running) continue;
      const reply = await query(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName], (t) => /^\*2\r\n(?:\$\d+\r\n[^\r]*\r\n){2}$/.test(t), password, tls);
      const port = /^\*2\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n(\d+)\r\n$/.exec(reply ?? '')?.[1];
      if (port !== undefined) return Number(port);
    }
    throw new Error('No sentinel answered GET-MASTER-ADDR-BY-NAME');
  };
  return {
    masterName,
    nodes,
    sentinels,
    url: sentinels.map((s) => `sentinel://127.0.0.1:${s.port}`).join(';'),
    primaryPort,
    async waitForPrimary(waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeout ?? 30_000);
      for (;;) {
        const port = await primaryPort().catch(() => undefined);
        const node = nodes.find((n) => n.port === port && n.running);
        if (node !== undefined && port !== waitOptions.notPort) {
          const role = await query(node.port, ['ROLE'], (t) => /master|slave/.test(t), undefined, tls);
          if (role?.includes('master')) return node;
        }
        if (Date.now() > deadline) throw new Error(`No new primary within ${waitOptions.timeout ?? 30_000} ms (sentinels report port ${String(port)})`);
        await sleep(100);
      }
    },
    async syncedReplicas(node) {
      const info = await query(node.port, ['INFO', 'replication'], wholeBulk, undefined, tls);
      return (info ?? '').match(/^slave\d+:.*state=online/gm)?.length ?? 0;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
