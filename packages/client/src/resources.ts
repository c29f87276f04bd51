/**
 * Turns {@link ClientOptions} into the things a client holds: a broker, a backend (each either
 * given or created from a URL, and then owned), serializers by name, and Celery's identity fields.
 */
import { hostname } from 'node:os';
import type { Broker, Logger, ResolveUrlOptions, ResultBackend, Serializer } from '@celerity/core';
import { ConfigurationError, createBackendFromUrl, createBrokerFromUrl, createJsonSerializer, createMemoryBackend } from '@celerity/core';
import { backendOptionsWithExpires } from '@celerity/core/internal';
import type { ClientOptions } from './types.js';

/** A resource and whether the client must close it. */
export interface Owned<T> {
  value: T;
  owned: boolean;
}

function context(clientOptions: ClientOptions, logger: Logger, options: Record<string, unknown> | undefined, broker?: Broker): ResolveUrlOptions {
  const ctx: ResolveUrlOptions = { logger };
  if (clientOptions.adapters) ctx.adapters = clientOptions.adapters;
  if (options) ctx.options = options;
  if (broker) ctx.broker = broker;
  return ctx;
}

/** The broker: the instance given, or one created from the URL (default `memory://`). */
export function resolveBroker(options: ClientOptions, logger: Logger): Owned<Broker> {
  const broker = options.broker ?? 'memory://';
  if (typeof broker !== 'string') return { value: broker, owned: false };
  return { value: createBrokerFromUrl(broker, context(options, logger, options.brokerOptions)), owned: true };
}

/** The backend, or null when results are disabled. Eager mode without one gets a private memory backend. */
export function resolveBackend(options: ClientOptions, logger: Logger, broker: Broker): Owned<ResultBackend> | null {
  const backend = options.backend;
  if (backend === undefined) {
    // A private store: eager clients in one process must not see each other's results.
    return options.eager ? { value: createMemoryBackend({ name: `eager-${crypto.randomUUID()}`, logger }), owned: true } : null;
  }
  if (typeof backend !== 'string') return { value: backend, owned: false };
  const expires = options.resultExpires;
  if (expires !== undefined && !(typeof expires === 'number' && expires >= 0)) throw new ConfigurationError(`resultExpires must be a number of seconds ≥ 0, got ${String(expires)}`);
  return { value: createBackendFromUrl(backend, context(options, logger, backendOptionsWithExpires(backend, options.backendOptions, expires), broker)), owned: true };
}

/** Serializers by name (`json` always) and the default one. */
export function resolveSerializers(options: ClientOptions): { byName: Map<string, Serializer>; default: Serializer } {
  const byName = new Map<string, Serializer>();
  byName.set('json', createJsonSerializer());
  for (const s of options.serializers ?? []) {
    byName.set(s.name, s);
    byName.set(s.contentType, s);
  }
  const chosen = options.serializer ?? 'json';
  if (typeof chosen !== 'string') {
    byName.set(chosen.name, chosen);
    return { byName, default: chosen };
  }
  return { byName, default: lookupSerializer(byName, chosen) };
}

/** A serializer by name or content type; a ConfigurationError saying how to add it otherwise. */
export function lookupSerializer(byName: ReadonlyMap<string, Serializer>, name: string): Serializer {
  const found = byName.get(name);
  if (found) return found;
  const hint = name === 'msgpack' ? ' (e.g. serializers: [createMsgpackSerializer()] from @celerity/serializer-msgpack)' : '';
  const known = [...new Set([...byName.values()].map((s) => s.name))].join(', ');
  throw new ConfigurationError(`Serializer ${JSON.stringify(name)} is not available: pass it in \`serializers\`${hint}. Available: ${known}`);
}

/** Celery's `origin` header for a producer: `gen<pid>@<hostname>`. */
export function defaultOrigin(): string {
  return `gen${process.pid}@${hostname()}`;
}
