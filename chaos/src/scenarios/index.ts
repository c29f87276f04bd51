/** Every scenario of issue 12, in the order a run goes through them. */
import { baselineScenario } from './baseline.js';
import { killScenario } from './kill.js';
import type { Scenario } from './scenario.js';

export const SCENARIOS: readonly Scenario[] = [
  baselineScenario('redis'),
  baselineScenario('amqp'),
  killScenario('redis', 'late'),
  killScenario('amqp', 'late'),
  killScenario('redis', 'early'),
  killScenario('amqp', 'early'),
];
