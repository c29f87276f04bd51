/** Every scenario of issue 12 (and issue 17's Sentinel and cluster ones), in the order a run goes through them. */
import { baselineScenario } from './baseline.js';
import { clusterScenario } from './cluster.js';
import { etaScenario } from './eta.js';
import { failoverScenario } from './failover.js';
import { garbageScenario } from './garbage-queue.js';
import { killScenario } from './kill.js';
import { poisonScenario } from './poison.js';
import { publishRestartScenario } from './publish-restart.js';
import { redisClusterScenario } from './redis-cluster.js';
import { restartScenario } from './restart.js';
import { soakScenario } from './soak.js';
import { stallScenario } from './stall.js';
import type { Scenario } from './scenario.js';

export const SCENARIOS: readonly Scenario[] = [
  baselineScenario('redis'),
  baselineScenario('amqp'),
  killScenario('redis', 'late'),
  killScenario('amqp', 'late'),
  killScenario('redis', 'early'),
  killScenario('amqp', 'early'),
  restartScenario('redis', 'graceful'),
  restartScenario('redis', 'crash'),
  restartScenario('amqp', 'graceful'),
  restartScenario('amqp', 'crash'),
  publishRestartScenario('redis'),
  publishRestartScenario('amqp'),
  stallScenario('redis', false),
  stallScenario('redis', true),
  stallScenario('amqp', false),
  stallScenario('amqp', true),
  etaScenario('redis'),
  etaScenario('amqp'),
  poisonScenario('redis'),
  poisonScenario('amqp'),
  garbageScenario('redis'),
  garbageScenario('amqp'),
  failoverScenario(false),
  failoverScenario(true),
  clusterScenario('graceful'),
  clusterScenario('crash'),
  redisClusterScenario(),
  soakScenario(),
];
