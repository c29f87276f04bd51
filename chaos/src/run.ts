/**
 * `pnpm chaos`: runs the fault scenarios of issue 12 against servers it starts itself, prints a
 * table of sent / completed / lost / duplicated / recovered per scenario and writes
 * bench/results/<name>.md and .json.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, matches, parseChaosArgs } from './args.js';
import { createRandom } from './random.js';
import { readEnvironment } from './report/environment.js';
import { renderMarkdown } from './report/markdown.js';
import { forJson } from './report/results.js';
import type { ChaosResults, ScenarioError } from './report/results.js';
import { SUMMARY_ALIGN, SUMMARY_HEADER, summaryRow } from './report/rows.js';
import { markdownTable } from './report/table.js';
import { SCENARIOS } from './scenarios/index.js';
import type { ScenarioResult } from './scenarios/scenario.js';
import type { RabbitServer } from '@celerity/testing';
import { startRabbitServer } from '@celerity/testing';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** A number from a scenario's name, so its random draws do not depend on which others run. */
function nameHash(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

function log(message: string): void {
  process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(argv: string[]): Promise<number> {
  const args = parseChaosArgs(argv);
  if (args.help) {
    process.stdout.write(`${USAGE}\n\nscenarios:\n${SCENARIOS.map((s) => `  ${s.name.padEnd(20)} ${s.summary}`).join('\n')}\n`);
    return 0;
  }
  const selected = args.only.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => args.only.some((o) => matches(s.name, o)));
  if (selected.length === 0) throw new Error(`no scenario matches ${args.only.join(', ')}; see --help`);
  const workDir = mkdtempSync(join(tmpdir(), 'celerity-chaos-'));
  const environment = readEnvironment(ROOT);
  log(`seed ${args.seed}; ${selected.length} scenarios, ${args.quick ? 'quick' : 'full'} sizes; worker logs and ledgers in ${workDir}`);

  let rabbit: Promise<RabbitServer> | undefined;
  const results: ScenarioResult[] = [];
  const errors: ScenarioError[] = [];
  try {
    for (const scenario of selected) {
      const dir = join(workDir, scenario.name.replace(/[^a-z0-9-]+/gi, '_'));
      mkdirSync(dir, { recursive: true });
      log(`${scenario.name}: ${scenario.summary}`);
      try {
        const result = await scenario.run({
          quick: args.quick,
          random: createRandom(args.seed ^ nameHash(scenario.name)),
          dir,
          rabbit: () => {
            rabbit ??= (log('starting a private RabbitMQ node (15–20 s)'), startRabbitServer());
            return rabbit;
          },
          log: (message) => log(`${scenario.name}: ${message}`),
        });
        result.summary = scenario.summary;
        results.push(result);
        log(`${scenario.name}: ${markdownTable(SUMMARY_HEADER, [summaryRow(result)], SUMMARY_ALIGN).split('\n')[2]}`);
      } catch (error) {
        const message = (error as Error).stack ?? String(error);
        errors.push({ name: scenario.name, error: (error as Error).message ?? String(error) });
        log(`${scenario.name} failed: ${message}`);
      }
    }
  } finally {
    if (rabbit !== undefined) await (await rabbit.catch(() => undefined))?.dispose();
  }

  process.stdout.write(`\n${markdownTable(SUMMARY_HEADER, results.map(summaryRow), SUMMARY_ALIGN)}\n`);
  for (const e of errors) process.stdout.write(`FAILED ${e.name}: ${e.error}\n`);
  const full: ChaosResults = {
    environment,
    command: ['pnpm chaos', ...argv.filter((a) => a !== '--')].join(' '),
    quick: args.quick,
    seed: args.seed,
    workDir,
    scenarios: results.map(forJson),
    errors,
  };
  if (!args.dryRun) {
    const name = args.out ?? (args.quick ? 'chaos-quick' : args.only.length > 0 ? 'chaos-partial' : 'chaos');
    // A bare name goes to bench/results; a path is taken as given.
    const stem = name.includes('/') ? name : join(RESULTS_DIR, name);
    mkdirSync(dirname(stem), { recursive: true });
    writeFileSync(`${stem}.json`, `${JSON.stringify(full, null, 2)}\n`);
    writeFileSync(`${stem}.md`, renderMarkdown(full, results));
    log(`wrote ${stem}.md and .json`);
  }
  return errors.length > 0 ? 1 : 0;
}

// Interrupted (Ctrl-C, a timeout): exit through 'exit' so workers, servers and the RabbitMQ node are killed too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`chaos: ${(error as Error).message ?? String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
  },
);
