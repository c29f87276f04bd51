import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { FULL, QUICK } from '../src/config.js';
import { benchDatabaseName, databaseUrl } from '../src/pg/database.js';
import { addArguments, databaseUrlFromEnv, graphileSchemaFromEnv } from '../src/pg/env.js';
import { mapLimited } from '../src/pg/limit.js';
import { meetsMinimum, pgNode } from '../src/pg/node.js';
import { PG_PEER_NAMES, pgBossBatchSize, poolSize, variantsOf } from '../src/pg/peers.js';
import { renderPg } from '../src/pg/report.js';
import type { PgResults, WithPg } from '../src/pg/results.js';
import { timeRoundTrips } from '../src/pg/round-trips.js';
import { parseProcStat, postgresCpuSeconds, readPostgresCpuSeconds } from '../src/pg/server-cpu.js';
import { pgSizes } from '../src/pg/scenario.js';
import { bestOf, pgTargets } from '../src/pg/targets.js';
import { renderMarkdown } from '../src/report-md.js';
import type { BenchResults } from '../src/results.js';
import { summarize } from '../src/stats.js';
import { checkTargets } from '../src/targets.js';
import { sampleResults } from './fixtures.js';

const processAt = (rates: number[]) => ({ throughput: summarize(rates), peakRssBytes: 80 * 2 ** 20, workerCpuUs: summarize([200]), postgresCpuUs: summarize([150, 140, 160]) });

/** Celerity (fixture): 3,000 / 30,000 / 50,000 jobs/s, round trip p50 0.4 ms. */
function withPg(): BenchResults & WithPg {
  const pg: PgResults = {
    postgres: '15.20',
    database: 'celerity_bench_42',
    node: "the bench's own Node v20.20.2, below the peers' engines >=22.18.0",
    sizes: pgSizes(QUICK),
    rows: variantsOf(PG_PEER_NAMES).map((v) => ({ name: v.name, label: v.label, producerNode: 'v22.22.0', workerNode: 'v22.22.0', settings: v.settings, roundTrip: v.roundTrip, results: v.results })),
    enqueue: { 'graphile-worker': { one: summarize([900]), bulk: summarize([60_000]) }, 'pg-boss': { one: summarize([700]), bulk: summarize([20_000]) } },
    process: {
      'graphile-worker': { '1': processAt([1000]), '10': processAt([4000]), '100': processAt([5000]) },
      // Batched beats plain: the peer's best is what Celerity is held against.
      'graphile-worker batched': { '1': processAt([2000]), '10': processAt([40_000]), '100': processAt([60_000]) },
      'pg-boss': { '1': processAt([500]), '10': processAt([3000]), '100': processAt([8000]) },
    },
    roundTrip: {
      'graphile-worker': { p50: summarize([2]), p99: summarize([5]), samples: [200] },
      'graphile-worker batched': { p50: summarize([2.5]), p99: summarize([5]), samples: [200] },
      'pg-boss': { p50: summarize([0.3]), p99: summarize([9]), samples: [100] },
    },
    errors: [{ row: 'pg-boss', scenario: 'process c=1', message: 'boom\nstack' }],
  };
  return { ...sampleResults(), pg };
}

describe('PostgreSQL part: selection', () => {
  it('runs both peers by default and selects them by part or by name', () => {
    expect(parseArgs([]).pg).toEqual(['graphile-worker', 'pg-boss']);
    expect(parseArgs(['--only', 'pg'])).toMatchObject({ only: [], scenarios: [], amqp: false, pools: false, pg: ['graphile-worker', 'pg-boss'] });
    expect(parseArgs(['--scenario', 'pg'])).toMatchObject({ only: [], scenarios: [], pg: ['graphile-worker', 'pg-boss'] });
    expect(parseArgs(['--only', 'pg-boss'])).toMatchObject({ only: [], pg: ['pg-boss'] });
    expect(parseArgs(['--only', 'graphile-worker,pg-boss,celerity,bullmq', '--quick'])).toMatchObject({ only: ['bullmq', 'celerity'], pg: ['graphile-worker', 'pg-boss'], amqp: false, events: false });
    expect(parseArgs(['--only', 'celerity']).pg).toEqual([]);
    expect(parseArgs(['--only', 'pg', '--scenario', 'process']).pg).toEqual([]);
    expect(parseArgs(['--only', 'pg-boss', '--scenario', 'pg']).pg).toEqual(['pg-boss']);
  });
  it('has a row per variant, graphile-worker plain and batched in schemas of their own', () => {
    expect(variantsOf(['graphile-worker']).map((v) => [v.name, v.env['BENCH_GRAPHILE_SCHEMA'], v.enqueue])).toEqual([
      ['graphile-worker', 'graphile_worker', true],
      ['graphile-worker batched', 'graphile_worker_batched', false],
    ]);
    expect(variantsOf(['pg-boss']).map((v) => v.name)).toEqual(['pg-boss']);
  });
  it('sizes pools and pg-boss batches from the concurrency', () => {
    expect([1, 10, 24, 100].map(poolSize)).toEqual([2, 11, 25, 25]);
    expect([1, 10, 100].map(pgBossBatchSize)).toEqual([4, 40, 400]);
  });
  it('uses the Redis sizes, with fewer sends one at a time and fewer jobs per processing run in a full run', () => {
    expect(pgSizes(QUICK)).toMatchObject({ reps: 3, enqueueOne: 1000, enqueueBulk: 10_000, processJobs: 4000, concurrency: [1, 10, 100] });
    expect(pgSizes(FULL)).toMatchObject({ reps: 5, enqueueOne: 2000, processJobs: 10_000, enqueueBulk: 50_000, roundTripMinMs: 2000 });
  });
});

describe('PostgreSQL part: pure helpers', () => {
  it('names one database per process and builds its URL on the same server', () => {
    expect(benchDatabaseName(4242)).toBe('celerity_bench_4242');
    expect(() => benchDatabaseName(0)).toThrow(RangeError);
    expect(databaseUrl('postgres://postgres@127.0.0.1:5432/postgres', 'celerity_bench_1')).toBe('postgres://postgres@127.0.0.1:5432/celerity_bench_1');
    expect(databaseUrl('postgresql://u:p@h:1/x?sslmode=disable', 'd')).toBe('postgresql://u:p@h:1/d?sslmode=disable');
    expect(() => databaseUrl('redis://127.0.0.1:6379/0', 'd')).toThrow(/not a PostgreSQL URL/);
  });
  it('reads what the bench passes to its children, and refuses bad values', () => {
    expect(databaseUrlFromEnv({ BENCH_DATABASE_URL: 'postgres://h/d' })).toBe('postgres://h/d');
    expect(() => databaseUrlFromEnv({})).toThrow(/BENCH_DATABASE_URL/);
    expect(graphileSchemaFromEnv({})).toBe('graphile_worker');
    expect(graphileSchemaFromEnv({ BENCH_GRAPHILE_SCHEMA: 'graphile_worker_batched' })).toBe('graphile_worker_batched');
    expect(() => graphileSchemaFromEnv({ BENCH_GRAPHILE_SCHEMA: 'x; drop table' })).toThrow(/plain identifier/);
    expect(addArguments({ x: 2, y: 3, channel: 'c' })).toEqual({ x: 2, y: 3 });
    expect(() => addArguments({ x: '2', y: 3 })).toThrow(TypeError);
    expect(() => addArguments(null)).toThrow(TypeError);
  });
  it('compares Node versions with a >= range', () => {
    expect(meetsMinimum('v20.20.0', '>=22.18.0')).toBe(false);
    expect(meetsMinimum('v22.17.9', '>=22.18.0')).toBe(false);
    expect(meetsMinimum('v22.18.0', '>=22.18.0')).toBe(true);
    expect(meetsMinimum('v22.22.1', '>=22.12.0')).toBe(true);
    expect(meetsMinimum('v24.0.0', '>= 22.18.0')).toBe(true);
    expect(() => meetsMinimum('v22.0.0', '^22')).toThrow(/only '>=x.y.z'/);
    expect(() => meetsMinimum('22', '>=22.18.0')).toThrow(/not a Node version/);
  });
  it('runs the children on the bench\'s own Node unless BENCH_PG_NODE names another, and says how it meets the engines', () => {
    const own = pgNode({});
    expect(own).toMatchObject({ execPath: process.execPath, version: process.version });
    expect(own.reason).toContain(`the bench's own Node ${process.version}, ${meetsMinimum(process.version, '>=22.18.0') ? 'meeting' : 'below'} the peers' engines >=22.18.0`);
    expect(pgNode({ BENCH_PG_NODE: 'current' }).execPath).toBe(process.execPath);
    // Another binary is asked for its version.
    const other = pgNode({ BENCH_PG_NODE: process.execPath });
    expect(other).toMatchObject({ execPath: process.execPath, version: process.version });
    expect(other.reason).toMatch(/^BENCH_PG_NODE v/);
    expect(() => pgNode({ BENCH_PG_NODE: '/nonexistent/node' })).toThrow();
  });
  it('maps with at most `limit` calls in flight, results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (v) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return v * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
    expect(await mapLimited([], 3, async (v: number) => v)).toEqual([]);
    await expect(mapLimited([1], 0, async (v) => v)).rejects.toThrow(RangeError);
  });
  it('runs round trips for at least the count and the minimum time, at most the maximum time', async () => {
    let clock = 0;
    const now = (): number => clock;
    // Each round trip takes 10 ms of the fake clock.
    const step = async (): Promise<void> => void (clock += 10);
    expect(await timeRoundTrips(step, { count: 3, minMs: 0, maxMs: 1000 }, now)).toEqual([10, 10, 10]);
    clock = 0;
    expect(await timeRoundTrips(step, { count: 1, minMs: 45, maxMs: 1000 }, now)).toHaveLength(5);
    clock = 0;
    expect(await timeRoundTrips(step, { count: 100, minMs: 0, maxMs: 30 }, now)).toHaveLength(3);
    clock = 0;
    await expect(timeRoundTrips(async () => Promise.reject(new Error('lost')), { count: 1, minMs: 0, maxMs: 10 }, now)).rejects.toThrow('lost');
  });
});

describe('PostgreSQL part: server CPU', () => {
  const stat = (pid: number, ppid: number, utime: number, stime: number, cutime: number, cstime: number, comm = 'postgres'): string =>
    `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194304 10 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 2459 222445568 7372`;
  it('parses /proc/<pid>/stat, a command name with spaces and parentheses included', () => {
    expect(parseProcStat(stat(2234, 1, 0, 21, 2724, 849))).toEqual({ pid: 2234, comm: 'postgres', ppid: 1, utime: 0, stime: 21, cutime: 2724, cstime: 849 });
    expect(parseProcStat(stat(7, 1, 5, 6, 0, 0, 'a (b) c'))).toMatchObject({ comm: 'a (b) c', utime: 5, stime: 6 });
    expect(parseProcStat('garbage')).toBeNull();
    expect(parseProcStat('1 (x) S')).toBeNull();
  });
  it('sums every postgres process and the exited backends the postmaster collected', () => {
    const stats = [stat(100, 1, 10, 20, 300, 400), stat(101, 100, 1, 2, 50, 50), stat(102, 100, 3, 4, 0, 0), stat(200, 1, 999, 999, 999, 999, 'node')].map((l) => parseProcStat(l)!);
    // (10 + 20 + 300 + 400) + (1 + 2) + (3 + 4) ticks; a backend's own children are not counted twice.
    expect(postgresCpuSeconds(stats)).toBeCloseTo(7.4, 10);
    expect(postgresCpuSeconds(stats.filter((s) => s.comm === 'node'))).toBeNull();
  });
  it('reads this machine\'s /proc (null without a visible server or without /proc)', async () => {
    const seconds = await readPostgresCpuSeconds();
    expect(seconds === null || seconds >= 0).toBe(true);
    expect(await readPostgresCpuSeconds('/nonexistent')).toBeNull();
  });
});

describe('PostgreSQL part: targets and report', () => {
  it('picks the best of a peer\'s variants', () => {
    expect(bestOf([1, undefined, 3], true)).toBe(3);
    expect(bestOf([2, Number.NaN, 0.5], false)).toBe(0.5);
    expect(bestOf([undefined], true)).toBeUndefined();
  });
  it('holds Celerity against each peer\'s best variant on processing and round trip', () => {
    const checks = Object.fromEntries(pgTargets(withPg()).map((t) => [t.what, t]));
    // Celerity 3,000 vs graphile-worker batched 2,000 at c=1: ahead.
    expect(checks['processing, concurrency 1, vs graphile-worker (its best row)']).toMatchObject({ goal: '> 1.0×', ratio: 1.5, met: true });
    // 50,000 vs 60,000 (batched): behind.
    expect(checks['processing, concurrency 100, vs graphile-worker (its best row)']).toMatchObject({ ratio: 50_000 / 60_000, met: false });
    expect(checks['processing, concurrency 100, vs pg-boss (its best row)']).toMatchObject({ ratio: 50_000 / 8000, met: true });
    expect(checks['round trip p50 vs graphile-worker (its best row)']).toMatchObject({ goal: '< 1.0×', ratio: 0.4 / 2, met: true });
    expect(checks['round trip p50 vs pg-boss (its best row)']).toMatchObject({ ratio: 0.4 / 0.3, met: false });
    expect(pgTargets(sampleResults())).toEqual([]);
    // They join the run's targets.
    expect(checkTargets(withPg()).map((t) => t.what)).toContain('round trip p50 vs pg-boss (its best row)');
  });
  it('leaves a target unmeasured when a figure is missing', () => {
    const results = withPg();
    delete results.roundTrip.celerity;
    expect(pgTargets(results).find((t) => t.what === 'round trip p50 vs pg-boss (its best row)')).toMatchObject({ ratio: null, met: null });
  });
  it('renders the tables with ratios to BullMQ and Celerity, the Node of each row, settings and failures', () => {
    const results = withPg();
    const md = renderPg(results.pg!, results);
    expect(md).toContain('PostgreSQL 15.20');
    expect(md).toContain('`celerity_bench_42`');
    expect(md).toContain("on the bench's own Node v20.20.2, below the peers' engines >=22.18.0");
    // graphile-worker enqueue one 900/s vs BullMQ 1,000: 0.90×; Celerity 1,500 / 900 = 1.67×.
    expect(md).toMatch(/\| graphile-worker \| 900 \| 0\.90× \| 1\.67× \| 60,000 \| 2\.00× \| 2\.00× \| v22\.22\.0 \|/);
    // The batched variant has no enqueue row of its own.
    expect(md.split('\n').filter((l) => l.startsWith('| graphile-worker batched |'))).toHaveLength(2);
    // pg-boss c=1: 500 vs BullMQ 6,000 (0.08×), Celerity 3,000 / 500 = 6.00×.
    expect(md).toMatch(/\| pg-boss \| 500 \| 0\.08× \| 6\.00× \|/);
    // Peak RSS, worker CPU and PostgreSQL CPU at the top concurrency.
    expect(md).toMatch(/\| 80 \| 200 \| 150 \(140–160\) \| v22\.22\.0 \|/);
    expect(md).toMatch(/\| pg-boss \| 0\.3 \| 0\.37× \| 1\.33× \| 9 \| 2\.25× \| 100 \| v22\.22\.0 \|/);
    expect(md).toContain('- pg-boss, process c=1: boom');
    expect(md).toContain('graphile-worker has no way to wait for a job');
    expect(renderMarkdown(results)).toContain('### PostgreSQL peers: graphile-worker and pg-boss');
  });
});
