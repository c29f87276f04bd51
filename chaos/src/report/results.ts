/** The machine-readable results of a run (`bench/results/<name>.json`). */
import type { ScenarioResult } from '../scenarios/scenario.js';
import type { RunEnvironment } from './environment.js';

/** A scenario that could not run to its end. */
export interface ScenarioError {
  name: string;
  error: string;
}

/** Everything a run writes. */
export interface ChaosResults {
  environment: RunEnvironment;
  command: string;
  quick: boolean;
  seed: number;
  /** Where worker logs and ledgers were kept. */
  workDir: string;
  scenarios: Array<Omit<ScenarioResult, 'outcome'> & { outcome: Omit<ScenarioResult['outcome'], 'events'> }>;
  errors: ScenarioError[];
}

/** Drops the raw ledger (large) from a scenario's result. */
export function forJson(result: ScenarioResult): ChaosResults['scenarios'][number] {
  const { events: _events, ...outcome } = result.outcome;
  return { ...result, outcome };
}
