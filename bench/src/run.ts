/**
 * `pnpm bench [--quick] [--only <system>] [--scenario <name>]`: starts a private Redis, runs the
 * scenarios for every system in the same invocation, and writes the report.
 */
import { mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { WithAmqp } from './amqp/results.js';
import { runAmqp } from './amqp/scenario.js';
import { amqpSizes } from './amqp/sizes.js';
import type { WithRateLimit } from './rate-limit/results.js';
import { runRateLimit } from './rate-limit/scenario.js';
import type { WithPools } from './pools/results.js';
import { runPools } from './pools/scenario.js';
import type { WithEvents } from './events/results.js';
import { eventsFromFeatures } from './events/scenario.js';
import type { WithFeatures } from './features/results.js';
import { runFeatures } from './features/scenario.js';
import type { WithFarEta } from './far-eta/results.js';
import { runFarEta } from './far-eta/scenario.js';
import type { WithScale } from './scale/results.js';
import { runScale } from './scale/scenario.js';
import type { WithCanvas } from './canvas/results.js';
import { runCanvas } from './canvas/scenario.js';
import type { WithBeat } from './beat/results.js';
import type { WithAmqpCluster } from './amqp-cluster/results.js';
import { runAmqpCluster } from './amqp-cluster/scenario.js';
import { runBeatTakeover } from './beat/scenario.js';
import type { WithCluster } from './cluster/results.js';
import { runCluster } from './cluster/scenario.js';
import { PG_PEER_NAMES } from './pg/peers.js';
import type { WithPg } from './pg/results.js';
import { runPg } from './pg/scenario.js';
import type { WithPythonPeer } from './python-peer/results.js';
import { runPythonPeer } from './python-peer/scenario.js';
import type { WithLatency } from './latency/results.js';
import { runLatency } from './latency/scenario.js';
import { USAGE, parseArgs } from './args.js';
import { FULL, QUICK, SCENARIO_NAMES } from './config.js';
import { machineInfo } from './machine.js';
import { waitForQuiet } from './quiet.js';
import { startRedisServer } from '@celerity/testing/redis';
import { writeReport } from './report.js';
import { renderTables, renderTargets } from './report-md.js';
import type { BenchResults } from './results.js';
import { runBytes } from './scenarios/bytes.js';
import type { ScenarioContext } from './scenarios/context.js';
import { runEnqueue } from './scenarios/enqueue.js';
import { runProcess } from './scenarios/process.js';
import { runRoundTrip } from './scenarios/round-trip.js';
import { SYSTEM_NAMES } from './system.js';
import { SYSTEMS } from './systems/index.js';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const config = args.quick ? QUICK : FULL;
  const systems = SYSTEMS.filter((s) => args.only.includes(s.name));
  const log = (message: string): void => console.log(message);
  const clock = performance.now();

  await using server = await startRedisServer();
  const redis = new Redis(server.url);
  const startedAt = new Date().toISOString();
  const results: BenchResults & WithAmqp & WithRateLimit & WithPools & WithEvents & WithCanvas & WithBeat & WithCluster & WithAmqpCluster & WithPg & WithFeatures & WithFarEta & WithScale & WithPythonPeer & WithLatency = {
    startedAt,
    finishedAt: startedAt,
    config,
    machine: machineInfo(server.version),
    systems: systems.map((s) => ({ name: s.name, label: s.label, notes: s.notes })),
    enqueue: {},
    process: {},
    roundTrip: {},
    bytes: {},
    errors: [],
  };
  log(`celerity bench (${config.mode}): ${systems.map((s) => s.name).join(', ')} on Redis ${server.version} at ${server.url}`);
  const profiles = fileURLToPath(new URL('../results/profiles', import.meta.url));
  if (args.cpuProf) await mkdir(profiles, { recursive: true });
  // BENCH_WORKER_NODE_ARGS adds Node flags to every worker child (for diagnostics, e.g. `--trace-gc`).
  const extraArgs = (process.env['BENCH_WORKER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const workerExecArgv = [...(args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []), ...extraArgs];
  const ctx: ScenarioContext = { config, target: { redisUrl: server.url, queue: 'bench' }, redis, systems, log, errors: results.errors, workerExecArgv };
  const quiet: NonNullable<typeof results.machine.quiet> = [];
  results.machine.quiet = quiet;
  const settle = async (scenario: string): Promise<void> => {
    const wait = await waitForQuiet({ threshold: config.quietThreshold, maxMs: config.quietMaxMs });
    quiet.push({ scenario, busy: wait.busy ?? null, waitedS: wait.waitedS, quiet: wait.quiet });
    const busy = wait.busy === undefined ? 'unknown' : `${Math.round(wait.busy * 100)}%`;
    log(`  CPUs ${busy} busy after ${wait.waitedS} s${wait.quiet ? '' : ` (not quiet within ${config.quietMaxMs / 1000} s: going on)`}`);
  };
  try {
    for (const scenario of systems.length > 0 ? args.scenarios : []) {
      log(`— ${scenario}`);
      await settle(scenario);
      if (scenario === 'enqueue') results.enqueue = await runEnqueue(ctx);
      else if (scenario === 'process') results.process = await runProcess(ctx);
      else if (scenario === 'round-trip') results.roundTrip = await runRoundTrip(ctx);
      else results.bytes = await runBytes(ctx);
    }
    if (args.amqp) {
      log('— amqp (RabbitMQ)');
      await settle('amqp');
      try {
        // Celerity and celery-node rows follow `--only` when it names them; raw amqplib is the baseline.
        const named = args.only.length < SYSTEM_NAMES.length && args.only.length > 0;
        results.amqp = await runAmqp(ctx, (system) => !named || (args.only as readonly string[]).includes(system));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        results.amqp = { rabbitmq: 'unavailable', sizes: amqpSizes(config), rows: [], errors: [{ system: 'raw-amqplib', what: 'setup', message }] };
        log(`  amqp: FAILED ${message.split('\n')[0]}`);
      }
    }
    if (args.rateLimit) {
      log('— ratelimit (accuracy)');
      await settle('ratelimit');
      results.rateLimit = await runRateLimit(ctx);
    }
    if (args.pools) {
      log('— pools (Celerity: async, threads, processes)');
      await settle('pools');
      results.pools = await runPools(ctx);
    }
    if (args.features || args.events) {
      // The events rows are two of the features rows: `--only events` runs those two alone.
      log(args.features ? '— features (Celerity against itself: one feature on per row, events included)' : '— events (Celerity: throughput with events off and on)');
      await settle(args.features ? 'features' : 'events');
      const features = await runFeatures(ctx, args.features ? 'all' : 'events');
      if (args.features) results.features = features;
      if (args.events) results.events = eventsFromFeatures(features);
    }
    if (args.farEta) {
      log('— far-eta (tasks due a day ahead: Celerity parked vs BullMQ delayed)');
      await settle('far-eta');
      results.farEta = await runFarEta(ctx);
    }
    if (args.scale) {
      log('— scale (two Celerity worker processes vs one on the same queue)');
      await settle('scale');
      results.scale = await runScale(ctx);
    }
    if (args.canvas) {
      log('— canvas (a chord and a chain vs plain tasks: Celerity and Python Celery workers)');
      await settle('canvas');
      results.canvas = await runCanvas(ctx);
    }
    if (args.beat) {
      log('— beat (a SIGKILLed celerity beat leader replaced)');
      await settle('beat');
      results.beat = await runBeatTakeover(ctx);
    }
    if (args.cluster) {
      log('— cluster (broker throughput on a private Redis Cluster vs the single server)');
      await settle('cluster');
      results.cluster = await runCluster(ctx);
    }
    if (args.amqpCluster) {
      log('— amqp-cluster (quorum queues on a 3-node RabbitMQ cluster vs a classic queue on 1 node)');
      await settle('amqp-cluster');
      results.amqpCluster = await runAmqpCluster(ctx);
    }
    if (args.pg.length > 0) {
      log(`— pg (PostgreSQL peers: ${args.pg.join(', ')})`);
      await settle('pg');
      results.pg = await runPg(ctx, args.pg);
    }
    if (args.python) {
      log('— python (Python Celery 5.2 workers: prefork 2, threads 10 and 100, beside Celerity)');
      await settle('python');
      results.python = await runPythonPeer(ctx);
    }
    if (args.latency) {
      log('— latency (tasks offered at 25/50/90% of each system\'s maximum)');
      await settle('latency');
      results.latency = await runLatency(ctx);
    }
  } finally {
    redis.disconnect();
  }
  results.finishedAt = new Date().toISOString();
  // Only a complete full run may replace the README's figures.
  const complete = !args.quick && !args.cpuProf && args.amqp && args.rateLimit && args.pools && args.events && args.canvas && args.beat && args.amqpCluster && args.pg.length === PG_PEER_NAMES.length && args.features && args.farEta && args.scale && args.python && args.latency && args.only.length === SYSTEM_NAMES.length && args.scenarios.length === SCENARIO_NAMES.length;
  // Profiled workers run slower: their figures must not replace the recorded ones.
  const files = args.cpuProf ? [] : await writeReport(results, { readme: complete });
  log(`\n${renderTables(results)}\n\n${renderTargets(results)}\n`);
  const failures = results.errors.length + (results.amqp?.errors.length ?? 0) + (results.rateLimit?.errors.length ?? 0) + (results.pools?.errors.length ?? 0) + (results.features ? results.features.errors.length : (results.events?.errors.length ?? 0)) + (results.farEta?.errors.length ?? 0) + (results.scale?.errors.length ?? 0) + (results.canvas?.errors.length ?? 0) + (results.beat?.errors.length ?? 0) + (results.cluster?.errors.length ?? 0) + (results.python?.errors.length ?? 0) + (results.latency?.errors.length ?? 0) + (results.pg?.errors.length ?? 0);
  if (failures > 0) log(`${failures} run(s) failed: see the Errors section of results/latest.md`);
  log(`wrote ${files.join(', ') || (args.cpuProf ? `profiles to ${profiles} (no report)` : 'nothing')} in ${((performance.now() - clock) / 1000).toFixed(0)} s`);
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
