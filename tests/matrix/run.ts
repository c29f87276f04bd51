/**
 * The server version matrix: the broker and result-backend conformance suites and the Redis / AMQP
 * interop tests (Python Celery 5.2 and 5.5 ↔ Celerity, JSON bodies) again, against Debian trixie's Redis 8.0,
 * Valkey 8.1 and RabbitMQ 4.0 (with what RabbitMQ 4.3 denies denied), each started once from the
 * trixie chroot on free ports. One vitest run per server, with CELERITY_TEST_REDIS_URL /
 * CELERITY_TEST_AMQP_URL pointing the tests at it; each writes test-results/matrix-<server>.json.
 * Run through scripts/matrix.sh (from scripts/test.sh); arguments pick servers by name.
 * Without root or the chroot it skips, except in CI, where that fails.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chrootServersUnavailable, startChrootRabbit, startChrootRedis } from '@celerity/testing/internal';
import type { ChrootServer, RabbitServer, RedisServer } from '@celerity/testing/internal';

const root = fileURLToPath(new URL('../../', import.meta.url));
const REDIS_FILES = ['packages/broker-redis/test/conformance.int.test.ts', 'packages/backend-redis/test/conformance.int.test.ts', 'tests/interop/redis.interop.test.ts'];
const AMQP_FILES = ['packages/broker-amqp/test/conformance.int.test.ts', 'tests/interop/amqp.interop.test.ts'];

/** One vitest run: its name, the server it needs, its files and the variables pointing at the servers. */
interface Target {
  name: string;
  server: ChrootServer;
  /** What the server must report, checked before its tests run. */
  version: RegExp;
  files: string[];
  /** The variables pointing the tests at the servers, given each server's URL. */
  env: (url: (server: ChrootServer) => string) => Record<string, string>;
}

const TARGETS: readonly Target[] = [
  { name: 'redis-8.0', server: 'redis', version: /^8\.0\./, files: REDIS_FILES, env: (url) => ({ CELERITY_TEST_REDIS_URL: url('redis') }) },
  { name: 'valkey-8.1', server: 'valkey', version: /^8\.1\./, files: REDIS_FILES, env: (url) => ({ CELERITY_TEST_REDIS_URL: url('valkey') }) },
  // The AMQP interop tests keep their results in Redis: the run's Redis 8.0.
  { name: 'rabbitmq-4.0', server: 'rabbitmq', version: /^4\.0\./, files: AMQP_FILES, env: (url) => ({ CELERITY_TEST_AMQP_URL: url('rabbitmq'), CELERITY_TEST_REDIS_URL: url('redis') }) },
];

const reportOf = (target: Target): string => `${root}/test-results/matrix-${target.name}.json`;

/**
 * A target that could not run counts as one failed test in scripts/test.sh's summary line (which
 * sums the reports), not as nothing.
 */
function failed(target: Target, why: string): number {
  console.error(`matrix: ${target.name}: ${why}`);
  if (!existsSync(reportOf(target))) writeFileSync(reportOf(target), JSON.stringify({ numPassedTests: 0, numFailedTests: 1, numPendingTests: 0, numTodoTests: 0, error: why }));
  return 1;
}

function vitest(target: Target, env: Record<string, string>): Promise<number> {
  const report = reportOf(target);
  rmSync(report, { force: true });
  // The interop tests' msgpack half is left out: the body's serializer is nothing the server sees,
  // and the main run covers it (this keeps the matrix to a few minutes).
  const args = ['vitest', 'run', '--project', 'integration', '--project', 'interop', '--testNamePattern', '^(?!.*\\(msgpack\\))', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...target.files];
  const child = spawn('npx', args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

/** The RabbitMQ version the node logged as it started (`Starting RabbitMQ 4.0.5 on Erlang …`). */
function rabbitVersion(server: RabbitServer): string {
  try {
    return /Starting RabbitMQ (\S+)/.exec(readFileSync(server.logFile, 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown (no log)';
  }
}

/** The servers started so far: their URL, the version they report, and how to stop them. */
type Started = Partial<Record<ChrootServer, { url: string; version: string; dispose(): Promise<void> }>>;

async function start(needed: readonly ChrootServer[], started: Started): Promise<void> {
  // One at a time: started together they are slower on a loaded machine, and each is recorded as
  // it starts, so one that fails leaves none running unrecorded (the caller stops those).
  for (const server of needed) {
    if (server === 'rabbitmq') {
      const node: RabbitServer = await startChrootRabbit();
      started.rabbitmq = { url: node.url, version: rabbitVersion(node), dispose: () => node.dispose() };
    } else {
      const redis: RedisServer = await startChrootRedis(server);
      started[server] = { url: redis.url, version: redis.version, dispose: () => redis.stop() };
    }
  }
}

async function main(): Promise<number> {
  const picked = process.argv.slice(2);
  const targets = picked.length === 0 ? TARGETS : TARGETS.filter((t) => picked.includes(t.name));
  if (picked.some((name) => !TARGETS.some((t) => t.name === name))) {
    console.error(`matrix: unknown server in ${picked.join(' ')}; choose from ${TARGETS.map((t) => t.name).join(', ')}`);
    return 2;
  }
  // The RabbitMQ target keeps results in Redis 8.0, so it needs that server too.
  const needed = [...new Set(targets.flatMap((t): ChrootServer[] => (t.server === 'rabbitmq' ? ['rabbitmq', 'redis'] : [t.server])))];
  const unavailable = chrootServersUnavailable(needed);
  if (unavailable !== undefined) {
    console.error(`matrix: ${process.env['CI'] ? 'cannot run' : 'skipped'}: ${unavailable}`);
    return process.env['CI'] ? 1 : 0;
  }
  mkdirSync(`${root}/test-results`, { recursive: true });
  for (const target of targets) rmSync(reportOf(target), { force: true });
  const started: Started = {};
  try {
    try {
      await start(needed, started);
    } catch (error) {
      for (const target of targets) failed(target, `starting the servers failed: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    const url = (server: ChrootServer): string => started[server]?.url ?? '';
    let status = 0;
    for (const target of targets) {
      const version = started[target.server]?.version ?? 'unknown';
      if (!target.version.test(version)) {
        status = failed(target, `the chroot's server reports version ${version}`);
        continue;
      }
      const env = target.env(url);
      console.log(`\nmatrix: ${target.name} (${target.server} ${version}): ${target.files.join(' ')}`);
      const code = await vitest(target, env);
      if (code !== 0) status = code;
      if (!existsSync(reportOf(target))) status = failed(target, `vitest exited with ${code} and wrote no report`);
    }
    return status;
  } finally {
    for (const server of Object.values(started)) await server.dispose().catch((error: unknown) => console.error('matrix: stopping a server:', error));
  }
}

// Ctrl-C or a CI timeout: exit through 'exit', where the starters kill the servers they started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
process.exitCode = await main();
