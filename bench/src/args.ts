/** Command-line options of `pnpm bench`. */
import { SCENARIO_NAMES } from './config.js';
import type { ScenarioName } from './config.js';
import { PG_PEER_NAMES, PG_PART } from './pg/peers.js';
import type { PgPeerName } from './pg/peers.js';
import { SYSTEM_NAMES } from './system.js';
import type { SystemName } from './system.js';

/** Parsed options. */
export interface BenchArgs {
  quick: boolean;
  /** Systems to run, in the bench's order. @default all */
  only: SystemName[];
  /** Scenarios to run. @default all */
  scenarios: ScenarioName[];
  help: boolean;
  /** Run worker processes under `node --cpu-prof`, profiles in `results/profiles/`. */
  cpuProf: boolean;
  /** Run the RabbitMQ rows (`--only amqp` or `--scenario amqp`; part of the default run). @default true */
  amqp: boolean;
  /** Run the rate-limit accuracy rows (`--only ratelimit` or `--scenario ratelimit`; part of the default run). @default true */
  rateLimit: boolean;
  /** Run Celerity's pool rows (`--only pools` or `--scenario pools`; part of the default run). @default true */
  pools: boolean;
  /** Run the events on / off rows (`--only events` or `--scenario events`; part of the default run). @default true */
  events: boolean;
  /** Run the canvas rows (`--only canvas` or `--scenario canvas`; part of the default run). @default true */
  canvas: boolean;
  /** Run the beat takeover row (`--only beat` or `--scenario beat`; part of the default run). @default true */
  beat: boolean;
  /** Run the Redis Cluster rows (`--only cluster` or `--scenario cluster`; not part of the default run). @default false */
  cluster: boolean;
  /** Run the RabbitMQ cluster rows (`--only amqp-cluster` or `--scenario amqp-cluster`; part of the default run). @default true */
  amqpCluster: boolean;
  /** PostgreSQL peers to run (`--only pg` both, or `graphile-worker` / `pg-boss` by name; part of the default run). @default both */
  pg: PgPeerName[];
  /** Run the cost-of-each-feature rows (`--only features` or `--scenario features`; part of the default run). @default true */
  features: boolean;
  /** Run the far-future ETA rows (`--only far-eta` or `--scenario far-eta`; part of the default run). @default true */
  farEta: boolean;
  /** Run the one-vs-two worker processes rows (`--only scale` or `--scenario scale`; part of the default run). @default true */
  scale: boolean;
  /** Run the Python Celery rows (`--only python` or `--scenario python`; part of the default run). @default true */
  python: boolean;
  /** Run the latency-under-load rows (`--only latency` or `--scenario latency`; part of the default run). @default true */
  latency: boolean;
}

/** The name that selects the RabbitMQ rows, with `--only` or `--scenario`. */
export const AMQP = 'amqp';
/** The name that selects the rate-limit rows, with `--only` or `--scenario`. */
export const RATE_LIMIT = 'ratelimit';
/** The name that selects Celerity's pool rows (async / threads / processes), with `--only` or `--scenario`. */
export const POOLS = 'pools';
/** The name that selects the events on / off rows, with `--only` or `--scenario`. */
export const EVENTS = 'events';
/** The name that selects the canvas rows (a chord and a chain, Celerity's and Python Celery's workers), with `--only` or `--scenario`. */
export const CANVAS = 'canvas';
/** The name that selects the beat takeover row (a SIGKILLed `celerity beat` leader replaced), with `--only` or `--scenario`. */
export const BEAT = 'beat';
/** The name that selects the Redis Cluster rows (broker throughput on a private cluster vs one server), with `--only` or `--scenario`. */
export const CLUSTER = 'cluster';
/** The name that selects the RabbitMQ cluster rows (quorum queues on 3 nodes vs a classic queue on 1), with `--only` or `--scenario`. */
export const AMQP_CLUSTER = 'amqp-cluster';
/** The name that selects the cost-of-each-feature rows (Celerity against itself, one feature on per row), with `--only` or `--scenario`. */
export const FEATURES = 'features';
/** The name that selects the far-future ETA rows (Celerity parked vs BullMQ delayed), with `--only` or `--scenario`. */
export const FAR_ETA = 'far-eta';
/** The name that selects the one-vs-two worker processes rows, with `--only` or `--scenario`. */
export const SCALE = 'scale';
/** The name that selects the Python Celery rows (its prefork and threads workers beside Celerity's), with `--only` or `--scenario`. */
export const PYTHON = 'python';
/** The name that selects the latency-under-load rows (tasks offered at shares of each system's maximum), with `--only` or `--scenario`. */
export const LATENCY = 'latency';
const PARTS: readonly string[] = [AMQP, RATE_LIMIT, POOLS, EVENTS, CANVAS, BEAT, CLUSTER, AMQP_CLUSTER, PG_PART, ...PG_PEER_NAMES, FEATURES, FAR_ETA, SCALE, PYTHON, LATENCY];

/** Usage text printed by `--help` and on a bad option. */
export const USAGE = `usage: pnpm bench [--quick] [--only <system>[,<system>…]] [--scenario <name>[,<name>…]] [--cpu-prof]
  systems:   ${SYSTEM_NAMES.join(', ')}, amqp (the RabbitMQ rows only), ratelimit (the rate-limit rows only), pools (Celerity's pool rows only), canvas (the canvas rows only), beat (the beat takeover row only), cluster (the Redis Cluster rows; only when named), amqp-cluster (the RabbitMQ cluster rows only), pg (the PostgreSQL peers: ${PG_PEER_NAMES.join(', ')}, each also by name), features (the cost of each feature only), far-eta (the far-future ETA rows only), scale (one vs two worker processes only), python (the Python Celery rows only), latency (the latency-under-load rows only)
  scenarios: ${SCENARIO_NAMES.join(', ')}, amqp (the RabbitMQ rows), ratelimit (the rate-limit rows), pools (Celerity's pool rows), events (events on vs off), canvas (a chord and a chain vs plain tasks, Celerity and Python Celery workers), beat (a SIGKILLed celerity beat leader replaced), cluster (broker throughput on a Redis Cluster vs one server; only when named), amqp-cluster (quorum queues on a 3-node RabbitMQ cluster vs a classic queue on 1 node), pg (the PostgreSQL peers on a database made for the run), features (Celerity against itself, one feature on per row; includes events), far-eta (tasks due a day ahead: Celerity parked vs BullMQ delayed), scale (two Celerity worker processes vs one), python (Python Celery 5.2's prefork and threads workers beside Celerity's), latency (latency under a steady load at 25/50/90% of each system's maximum)`;

function pick<T extends string>(kind: string, allowed: readonly T[], value: string): T[] {
  const wanted = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of wanted) {
    if (!(allowed as readonly string[]).includes(name)) throw new Error(`unknown ${kind} '${name}' (expected one of: ${allowed.join(', ')})`);
  }
  return allowed.filter((name) => wanted.includes(name));
}

/**
 * Parses argv (without `node` and the script). Options may repeat; `--only a --only b` adds up.
 * @example
 * parseArgs(['--quick', '--only', 'celerity,bullmq']);
 */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const out: BenchArgs = { quick: false, only: [], scenarios: [], help: false, cpuProf: false, amqp: true, rateLimit: true, pools: true, events: true, canvas: true, beat: true, cluster: false, amqpCluster: true, pg: [], features: true, farEta: true, scale: true, python: true, latency: true };
  const only: string[] = [];
  const scenarios: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--') continue;
    else if (flag === '--quick') out.quick = true;
    else if (flag === '--help' || flag === '-h') out.help = true;
    else if (flag === '--cpu-prof') out.cpuProf = true;
    else if (flag === '--only') only.push(value());
    else if (flag === '--scenario') scenarios.push(value());
    else throw new Error(`unknown option '${arg}'`);
  }
  // `amqp`, `ratelimit` and `pools` name parts of their own in either list; naming only parts leaves the Redis scenarios out.
  const split = (values: string[]): { rest: string; parts: Set<string> } => {
    const names = values.join(',').split(',').map((v) => v.trim()).filter(Boolean);
    return { rest: names.filter((v) => !PARTS.includes(v)).join(','), parts: new Set(names.filter((v) => PARTS.includes(v))) };
  };
  const o = split(only);
  const sc = split(scenarios);
  out.only = only.length === 0 ? [...SYSTEM_NAMES] : o.rest ? pick('system', SYSTEM_NAMES, o.rest) : [];
  out.scenarios = scenarios.length === 0 ? [...SCENARIO_NAMES] : sc.rest ? pick('scenario', SCENARIO_NAMES, sc.rest) : [];
  out.amqp = (only.length === 0 || o.parts.has(AMQP)) && (scenarios.length === 0 || sc.parts.has(AMQP));
  out.rateLimit = (only.length === 0 || o.parts.has(RATE_LIMIT)) && (scenarios.length === 0 || sc.parts.has(RATE_LIMIT));
  out.pools = (only.length === 0 || o.parts.has(POOLS)) && (scenarios.length === 0 || sc.parts.has(POOLS));
  out.events = (only.length === 0 || o.parts.has(EVENTS)) && (scenarios.length === 0 || sc.parts.has(EVENTS));
  out.canvas = (only.length === 0 || o.parts.has(CANVAS)) && (scenarios.length === 0 || sc.parts.has(CANVAS));
  out.beat = (only.length === 0 || o.parts.has(BEAT)) && (scenarios.length === 0 || sc.parts.has(BEAT));
  // It starts six more redis-servers: run only when named.
  out.cluster = (o.parts.has(CLUSTER) || sc.parts.has(CLUSTER)) && (only.length === 0 || o.parts.has(CLUSTER)) && (scenarios.length === 0 || sc.parts.has(CLUSTER));
  out.amqpCluster = (only.length === 0 || o.parts.has(AMQP_CLUSTER)) && (scenarios.length === 0 || sc.parts.has(AMQP_CLUSTER));
  // `pg` names both PostgreSQL peers; a peer's own name names it alone.
  const names = (parts: Set<string>, peer: PgPeerName): boolean => parts.has(PG_PART) || parts.has(peer);
  out.pg = PG_PEER_NAMES.filter((peer) => (only.length === 0 || names(o.parts, peer)) && (scenarios.length === 0 || names(sc.parts, peer)));
  out.features = (only.length === 0 || o.parts.has(FEATURES)) && (scenarios.length === 0 || sc.parts.has(FEATURES));
  out.farEta = (only.length === 0 || o.parts.has(FAR_ETA)) && (scenarios.length === 0 || sc.parts.has(FAR_ETA));
  out.scale = (only.length === 0 || o.parts.has(SCALE)) && (scenarios.length === 0 || sc.parts.has(SCALE));
  out.python = (only.length === 0 || o.parts.has(PYTHON)) && (scenarios.length === 0 || sc.parts.has(PYTHON));
  out.latency = (only.length === 0 || o.parts.has(LATENCY)) && (scenarios.length === 0 || sc.parts.has(LATENCY));
  if (o.parts.size > 0 && !o.rest && scenarios.length === 0) out.scenarios = [];
  if (sc.parts.size > 0 && !sc.rest && only.length === 0) out.only = [];
  return out;
}
