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
  scenarios: JsonScenario[];
  errors: ScenarioError[];
}

type Outcome = ScenarioResult['outcome'];

/** A scenario's result without the bulky lists (the ledger, every id sent): counts of them instead. */
export type JsonScenario = Omit<ScenarioResult, 'outcome'> & {
  outcome: Omit<Outcome, 'events' | 'producer'> & { producer: Omit<Outcome['producer'], 'sent' | 'failed'> & { sent: number; failed: number } };
};

/** Drops the raw ledger and the id lists (megabytes at full size) from a scenario's result. */
export function forJson(result: ScenarioResult): JsonScenario {
  const { events: _events, producer, ...outcome } = result.outcome;
  return { ...result, outcome: { ...outcome, producer: { ...producer, sent: producer.sent.length, failed: producer.failed.length } } };
}
