/**
 * URL → broker / backend resolution over an explicit list of adapters. Nothing is registered
 * process-wide: the application passes the adapters it installed (`adapters: [brokerAdapter]`),
 * and `memory://` is always available. The `celerity` command finds adapter packages by URL scheme
 * itself and passes them on. An unknown scheme fails with an error naming the package to install,
 * or the scheme meant when it looks mistyped.
 */
import type { Adapter, AdapterContext, BackendAdapter, BrokerAdapter } from './adapter.js';
import type { Broker } from './broker.js';
import type { ResultBackend } from './backend.js';
import { UnknownSchemeError } from './errors.js';
import { memoryBackendAdapter, memoryBrokerAdapter } from './memory/index.js';

/** Options of {@link createBrokerFromUrl} and {@link createBackendFromUrl}. */
export interface ResolveUrlOptions extends AdapterContext {
  /** Adapters to choose from besides the built-in `memory://` ones. */
  adapters?: readonly Adapter[];
}

/** Which package provides which scheme, for "install X" messages and the `celerity` command. */
export const KNOWN_BROKER_PACKAGES: Readonly<Record<string, string>> = {
  redis: '@celerity/broker-redis',
  rediss: '@celerity/broker-redis',
  sentinel: '@celerity/broker-redis',
  rediscluster: '@celerity/broker-redis',
  amqp: '@celerity/broker-amqp',
  amqps: '@celerity/broker-amqp',
  pyamqp: '@celerity/broker-amqp',
};
export const KNOWN_BACKEND_PACKAGES: Readonly<Record<string, string>> = {
  redis: '@celerity/backend-redis',
  rediss: '@celerity/backend-redis',
  sentinel: '@celerity/backend-redis',
  rediscluster: '@celerity/backend-redis',
  rpc: '@celerity/broker-amqp',
};

/**
 * The scheme of a URL without `:` (`redis://x` → `redis`); `memory` for a bare `memory`. Anything
 * else without a scheme gives `''`: the string may hold a password and ends up in error messages.
 */
export function urlScheme(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*)(?::|$)/i.exec(url);
  return (match?.[1] ?? '').toLowerCase();
}

/** Edit distance, for "did you mean": schemes are short, so the quadratic table is fine. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known scheme closest to a mistyped one (`reddis` → `redis`), or undefined when none is close. */
export function suggestScheme(scheme: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.min(2, Math.floor(scheme.length / 3)));
  for (const candidate of known) {
    if (candidate === scheme) return undefined;
    const d = distance(scheme, candidate);
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function find<A extends Adapter>(kind: A['kind'], scheme: string, adapters: readonly Adapter[], builtIn: A): A | undefined {
  for (const adapter of adapters) if (adapter.kind === kind && adapter.schemes.includes(scheme)) return adapter as A;
  return builtIn.schemes.includes(scheme) ? builtIn : undefined;
}

function unknownScheme(kind: Adapter['kind'], scheme: string, adapters: readonly Adapter[], known: Readonly<Record<string, string>>): never {
  const what = kind === 'broker' ? 'broker' : 'result backend';
  const given = new Set(['memory', ...adapters.filter((a) => a.kind === kind).flatMap((a) => a.schemes)]);
  const pkg = known[scheme];
  let hint: string;
  if (scheme === '') hint = 'the URL has no scheme (expected e.g. redis://host:6379/0)';
  else if (pkg) {
    const name = kind === 'broker' ? 'brokerAdapter' : 'backendAdapter';
    hint = `import { ${name} } from '${pkg}' and pass it in \`adapters\``;
  } else {
    const meant = suggestScheme(scheme, new Set([...given, ...Object.keys(known)]));
    hint = meant ? `did you mean ${meant}://?` : 'no known package provides it';
  }
  const available = [...given].sort().map((s) => `${s}://`).join(', ');
  throw new UnknownSchemeError(scheme, `No ${what} adapter for ${scheme === '' ? 'a URL without a scheme' : `${scheme}://`}: ${hint} (available: ${available})`);
}

function contextOf(options: ResolveUrlOptions): AdapterContext {
  const { adapters: _adapters, ...context } = options;
  return context;
}

/**
 * Creates a broker for a URL from the adapters given (and `memory://`); throws `UnknownSchemeError`
 * naming the package to install or the scheme meant.
 * @example
 * import { brokerAdapter } from '@celerity/broker-redis';
 * const broker = createBrokerFromUrl('redis://localhost:6379/0', { adapters: [brokerAdapter] });
 */
export function createBrokerFromUrl(url: string, options: ResolveUrlOptions = {}): Broker {
  const scheme = urlScheme(url);
  const adapters = options.adapters ?? [];
  const adapter = find<BrokerAdapter>('broker', scheme, adapters, memoryBrokerAdapter) ?? unknownScheme('broker', scheme, adapters, KNOWN_BROKER_PACKAGES);
  return adapter.create(url, contextOf(options));
}

/**
 * Creates a result backend for a URL from the adapters given (and `memory://`).
 * @example
 * import { backendAdapter } from '@celerity/backend-redis';
 * const backend = createBackendFromUrl('redis://localhost:6379/0', { adapters: [backendAdapter] });
 */
export function createBackendFromUrl(url: string, options: ResolveUrlOptions = {}): ResultBackend {
  const scheme = urlScheme(url);
  const adapters = options.adapters ?? [];
  const adapter = find<BackendAdapter>('backend', scheme, adapters, memoryBackendAdapter) ?? unknownScheme('backend', scheme, adapters, KNOWN_BACKEND_PACKAGES);
  return adapter.create(url, contextOf(options));
}
