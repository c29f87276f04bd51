/**
 * URL scheme → adapter registry. The application (or the `celerity` command) fills it; `core`
 * itself only knows `memory://`. An unknown scheme fails with an error naming the package to install.
 */
import type { Broker } from './broker.js';
import type { ResultBackend } from './backend.js';
import type { Logger } from './logger.js';
import { UnknownSchemeError } from './errors.js';

/** Options passed to every adapter factory resolved from a URL. */
export interface AdapterContext {
  logger?: Logger;
  /** The broker in use; lets a backend such as `rpc://` share its connection. */
  broker?: Broker;
  /** Adapter-specific options (e.g. `visibilityTimeout`, `keyPrefix`). */
  options?: Record<string, unknown>;
}

/** Creates brokers for some URL schemes. Adapter packages export one as `brokerAdapter`. */
export interface BrokerAdapter {
  readonly schemes: readonly string[];
  create(url: string, context: AdapterContext): Broker;
}

/** Creates result backends for some URL schemes. Adapter packages export one as `backendAdapter`. */
export interface BackendAdapter {
  readonly schemes: readonly string[];
  create(url: string, context: AdapterContext): ResultBackend;
}

/** Which package provides which scheme, for "install X" messages and autoloading. */
export const KNOWN_BROKER_PACKAGES: Readonly<Record<string, string>> = {
  redis: '@celerity/broker-redis',
  rediss: '@celerity/broker-redis',
  amqp: '@celerity/broker-amqp',
  amqps: '@celerity/broker-amqp',
  pyamqp: '@celerity/broker-amqp',
};
export const KNOWN_BACKEND_PACKAGES: Readonly<Record<string, string>> = {
  redis: '@celerity/backend-redis',
  rediss: '@celerity/backend-redis',
  rpc: '@celerity/broker-amqp',
};

const brokerAdapters = new Map<string, BrokerAdapter>();
const backendAdapters = new Map<string, BackendAdapter>();

/**
 * The scheme of a URL without `:` (`redis://x` → `redis`); `memory` for a bare `memory`. Anything
 * else without a scheme gives `''`: the string may hold a password and ends up in error messages.
 */
export function urlScheme(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*)(?::|$)/i.exec(url);
  return (match?.[1] ?? '').toLowerCase();
}

/** Makes a broker adapter available to URL resolution. */
export function registerBrokerAdapter(adapter: BrokerAdapter): void {
  for (const scheme of adapter.schemes) brokerAdapters.set(scheme, adapter);
}

/** Makes a backend adapter available to URL resolution. */
export function registerBackendAdapter(adapter: BackendAdapter): void {
  for (const scheme of adapter.schemes) backendAdapters.set(scheme, adapter);
}

function missing(kind: 'broker' | 'result backend', scheme: string, known: Record<string, string>, have: Map<string, unknown>): never {
  const pkg = known[scheme];
  const available = [...have.keys()].sort().map((s) => `${s}://`).join(', ');
  const hint = pkg
    ? `install ${pkg} and register it (import { ${kind === 'broker' ? 'brokerAdapter' : 'backendAdapter'} } from '${pkg}')`
    : `no known package provides it`;
  throw new UnknownSchemeError(scheme, `No ${kind} adapter for ${scheme}://: ${hint}. Registered: ${available || '(none)'}`);
}

/** Creates a broker for a URL from the registered adapters; throws `UnknownSchemeError` naming the package to install. */
export function createBrokerFromUrl(url: string, context: AdapterContext = {}): Broker {
  const scheme = urlScheme(url);
  const adapter = brokerAdapters.get(scheme) ?? missing('broker', scheme, KNOWN_BROKER_PACKAGES, brokerAdapters);
  return adapter.create(url, context);
}

/** Creates a result backend for a URL from the registered adapters. */
export function createBackendFromUrl(url: string, context: AdapterContext = {}): ResultBackend {
  const scheme = urlScheme(url);
  const adapter = backendAdapters.get(scheme) ?? missing('result backend', scheme, KNOWN_BACKEND_PACKAGES, backendAdapters);
  return adapter.create(url, context);
}

/** Whether a scheme has a registered adapter. */
export function hasBrokerAdapter(scheme: string): boolean {
  return brokerAdapters.has(scheme);
}
export function hasBackendAdapter(scheme: string): boolean {
  return backendAdapters.has(scheme);
}

/**
 * Loads the known package for a URL's scheme (resolved from the application's directory) and
 * registers its adapters. Used by the `celerity` command so `-b redis://…` works when the package is installed.
 */
export async function autoloadAdapters(url: string, kind: 'broker' | 'backend', fromDir: string = process.cwd()): Promise<void> {
  const scheme = urlScheme(url);
  if (kind === 'broker' ? brokerAdapters.has(scheme) : backendAdapters.has(scheme)) return;
  const pkg = (kind === 'broker' ? KNOWN_BROKER_PACKAGES : KNOWN_BACKEND_PACKAGES)[scheme];
  if (!pkg) return;
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  let resolved: string;
  try {
    resolved = createRequire(`${fromDir.replace(/\/$/, '')}/package.json`).resolve(pkg);
  } catch {
    return; // not installed: createXFromUrl will say what to install
  }
  const mod = (await import(pathToFileURL(resolved).href)) as { brokerAdapter?: BrokerAdapter; backendAdapter?: BackendAdapter };
  if (mod.brokerAdapter) registerBrokerAdapter(mod.brokerAdapter);
  if (mod.backendAdapter) registerBackendAdapter(mod.backendAdapter);
}

// `memory://` works out of the box. The memory transport imports only types from this file, so
// there is no import cycle at runtime.
import { memoryBackendAdapter, memoryBrokerAdapter } from './memory/index.js';
registerBrokerAdapter(memoryBrokerAdapter);
registerBackendAdapter(memoryBackendAdapter);
