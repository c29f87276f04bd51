/** A scenario context for tests: small sizes, a fixed seed, a temporary directory, no RabbitMQ. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '../src/random.js';
import type { ScenarioContext } from '../src/scenarios/scenario.js';

export function testContext(seed = 12): ScenarioContext & { cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-test-'));
  return {
    quick: true,
    random: createRandom(seed),
    dir,
    rabbit: () => Promise.reject(new Error('these tests use Redis only')),
    log: () => undefined,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
