/**
 * The in-memory transport: a broker and a result backend that need no server, shared per process
 * by name (`memory://` or `memory://name`). Its adapters are built into URL resolution (`registry.ts`).
 */
import type { AdapterContext, BackendAdapter, BrokerAdapter } from '../adapter.js';
import { ConfigurationError } from '../errors.js';
import { createMemoryBroker } from './broker.js';
import type { MemoryBrokerOptions } from './broker.js';
import { createMemoryBackend } from './backend.js';
import type { MemoryBackendOptions } from './backend.js';

export { createMemoryBroker, createMemoryBackend };
export type { MemoryBrokerOptions, MemoryBackendOptions };

/**
 * The hub name of a memory URL: `memory://` and `memory` → `'default'`, `memory://jobs` → `'jobs'`.
 * @example
 * memoryHubName('memory://jobs'); // 'jobs'
 */
export function memoryHubName(url: string): string {
  const match = /^memory:(?:\/\/)?([^/?#]*)\/?(?:[?#].*)?$/i.exec(url.trim()) ?? (/^memory$/i.test(url.trim()) ? ['', ''] : null);
  if (!match) throw new ConfigurationError(`Not a memory URL: ${JSON.stringify(url)} (expected memory:// or memory://name)`);
  const name = decodeURIComponent(match[1] ?? '');
  return name === '' ? 'default' : name;
}

function priorityOrderOption(context: AdapterContext): MemoryBrokerOptions['priorityOrder'] {
  const value = context.options?.['priorityOrder'];
  if (value === undefined) return undefined;
  if (value === 'low-first' || value === 'high-first') return value;
  throw new ConfigurationError(`priorityOrder must be 'low-first' or 'high-first', got ${JSON.stringify(value)}`);
}

function expiresOption(context: AdapterContext): number | undefined {
  const value = context.options?.['expires'];
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  throw new ConfigurationError(`expires must be a number of milliseconds, got ${JSON.stringify(value)}`);
}

/**
 * Creates memory brokers for `memory://[name]` URLs. Reads `options.priorityOrder` from the context.
 * @example
 * createBrokerFromUrl('memory://jobs'); // built in: no adapter to pass
 */
export const memoryBrokerAdapter: BrokerAdapter = {
  kind: 'broker',
  schemes: ['memory'],
  create(url, context) {
    const options: MemoryBrokerOptions = { name: memoryHubName(url) };
    const priorityOrder = priorityOrderOption(context);
    if (priorityOrder !== undefined) options.priorityOrder = priorityOrder;
    if (context.logger) options.logger = context.logger;
    return createMemoryBroker(options);
  },
};

/**
 * Creates memory result backends for `memory://[name]` URLs. Reads `options.expires` (ms) from the context.
 * @example
 * createBackendFromUrl('memory://jobs'); // built in: no adapter to pass
 */
export const memoryBackendAdapter: BackendAdapter = {
  kind: 'backend',
  schemes: ['memory'],
  create(url, context) {
    const options: MemoryBackendOptions = { name: memoryHubName(url) };
    const expires = expiresOption(context);
    if (expires !== undefined) options.expires = expires;
    if (context.logger) options.logger = context.logger;
    return createMemoryBackend(options);
  },
};
