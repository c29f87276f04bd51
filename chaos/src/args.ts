/** Command-line options of `pnpm chaos`. */
import { parseArgs } from 'node:util';

/** Parsed options. */
export interface ChaosArgs {
  quick: boolean;
  /** Scenario selectors: a full name (`kill-late:redis`), a prefix (`kill`), or a broker (`:amqp`). */
  only: string[];
  seed: number;
  /** Results file stem under bench/results, or undefined for the default. */
  out: string | undefined;
  /** Print only; write no results files. */
  dryRun: boolean;
  help: boolean;
}

export const USAGE = `usage: pnpm chaos [--quick] [--only <selector>[,<selector>…]] [--seed <n>] [--out <name>] [--no-write]
  --quick        small sizes (a few minutes in all)
  --only         scenario names (kill-late:redis), prefixes (kill, stall), or brokers (:redis, :amqp)
  --seed         seed of the fault schedule and task durations (default: random, printed)
  --out          results file name under bench/results, or a path without extension (default:
                 chaos, chaos-quick for --quick, chaos-partial for --only)
  --no-write     print the table only`;

/**
 * @example
 * parseChaosArgs(['--quick', '--only', 'kill,stall']);
 */
export function parseChaosArgs(argv: readonly string[], randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 31)): ChaosArgs {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string', multiple: true },
      seed: { type: 'string' },
      out: { type: 'string' },
      'no-write': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const seed = values.seed === undefined ? randomSeed() : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${values.seed}'`);
  return {
    quick: values.quick ?? false,
    only: (values.only ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean),
    seed,
    out: values.out,
    dryRun: values['no-write'] ?? false,
    help: values.help ?? false,
  };
}

/** Whether a scenario name matches a selector. */
export function matches(name: string, selector: string): boolean {
  if (selector.startsWith(':')) return name.endsWith(selector);
  return name === selector || name.startsWith(selector);
}
