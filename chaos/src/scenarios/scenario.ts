/** What a scenario is, what it gets from the run, and what it reports. */
import { startRedisServer } from '@celerity/testing';
import type { BrokerEnv, BrokerKind } from '../brokers.js';
import { amqpEnv, redisEnv } from '../brokers.js';
import type { Random } from '../random.js';
import type { RunOutcome } from '../run-tasks.js';
import type { RabbitServer } from '@celerity/testing';

/** What every scenario gets. */
export interface ScenarioContext {
  /** Small sizes (`--quick`, and the tests). */
  quick: boolean;
  random: Random;
  /** This scenario's directory (ledger, worker logs). */
  dir: string;
  /** The run's private RabbitMQ node, started on first use. */
  rabbit(): Promise<RabbitServer>;
  log(message: string): void;
}

/** What a scenario reports. */
export interface ScenarioResult {
  name: string;
  /** The scenario's one-line summary (filled in by the runner). */
  summary?: string;
  broker: BrokerKind;
  acks: 'late' | 'early';
  /** Sizes and settings, for the results file. */
  parameters: Record<string, string | number>;
  outcome: RunOutcome;
  /** Findings beyond the counts (RSS bound, poison runs, garbage left…). */
  notes: string[];
  /** Figures beyond the counts, for the JSON. */
  extra?: Record<string, unknown>;
}

/** A scenario of issue 12. */
export interface Scenario {
  /** `<what>:<broker>`, e.g. `kill-late:redis`. */
  name: string;
  /** Item of issue 12 it covers (0 = the no-fault control). */
  item: number;
  /** One line for `--help` and the results file. */
  summary: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

/**
 * A fresh broker for a scenario: its own Redis (fsyncing every write when the scenario will crash
 * it), or the run's RabbitMQ node.
 */
export async function brokerFor(kind: BrokerKind, ctx: ScenarioContext, options: { crashable?: boolean } = {}): Promise<BrokerEnv> {
  const env = kind === 'redis' ? await redisEnv(options) : amqpEnv(await ctx.rabbit());
  // Results on a private server no fault touches, as a deployment's result store would be.
  const results = await startRedisServer();
  const close = env.close.bind(env);
  env.resultsUrl = results.url;
  env.close = async () => {
    await close();
    await results.stop();
  };
  return env;
}

/** kombu's restore pass runs every 10 s (not settable from the command line): a late re-run on Redis can come this long after the visibility timeout. */
export const RESTORE_INTERVAL_S = 10;

/** How long to keep watching after everything completed, so redeliveries that are due still show up. */
export function settleFor(kind: BrokerKind, visibilityTimeout: number | undefined): number {
  return kind === 'redis' ? ((visibilityTimeout ?? 0) + RESTORE_INTERVAL_S + 3) * 1000 : 5000;
}

/** A queue name no other scenario or run uses. */
export function queueName(scenario: string): string {
  return `chaos-${scenario.replace(/[^a-z0-9]+/gi, '-')}-${Date.now().toString(36)}`;
}
