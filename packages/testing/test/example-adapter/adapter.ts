/**
 * The example's adapters: what an application passes in `adapters` so that `example://<server>`
 * URLs resolve to the example broker and backend.
 */
import { ConfigurationError } from '@celerity/core';
import type { BackendAdapter, BrokerAdapter } from '@celerity/core';
import { createExampleBackend } from './example-backend.js';
import { createExampleBroker } from './example-broker.js';

/** `example://jobs` → server `jobs`; `example://` → `default`. */
function serverOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConfigurationError(`Invalid example URL ${JSON.stringify(url)}`, { cause: error });
  }
  return parsed.host === '' ? 'default' : decodeURIComponent(parsed.host);
}

/**
 * Broker adapter for `example://`.
 * @example
 * const broker = createBrokerFromUrl('example://jobs', { adapters: [brokerAdapter] });
 */
export const brokerAdapter: BrokerAdapter = {
  kind: 'broker',
  schemes: ['example'],
  create(url, context) {
    return createExampleBroker({ server: serverOf(url), ...(context.logger ? { logger: context.logger } : {}) });
  },
};

/**
 * Result backend adapter for `example://`.
 * @example
 * const client = createClient({ broker: 'example://jobs', backend: 'example://jobs', adapters: [brokerAdapter, backendAdapter] });
 */
export const backendAdapter: BackendAdapter = {
  kind: 'backend',
  schemes: ['example'],
  create(url, context) {
    return createExampleBackend({ server: serverOf(url), ...(context.logger ? { logger: context.logger } : {}) });
  },
};
