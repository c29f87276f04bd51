/**
 * The adapter contract: what an adapter package hands to `createClient` / `createWorker` (in
 * `adapters`) so that broker and backend URLs of its schemes can be resolved. Types only, so the
 * memory transport and the URL resolver can both import it without a cycle.
 */
import type { Broker } from './broker.js';
import type { ResultBackend } from './backend.js';
import type { Logger } from './logger.js';

/** What an adapter factory gets besides the URL. */
export interface AdapterContext {
  logger?: Logger;
  /** The broker in use; lets a backend such as `rpc://` share its connection. */
  broker?: Broker;
  /** Adapter-specific options (e.g. `visibilityTimeout`, `keyPrefix`), our names or Celery's. */
  options?: Record<string, unknown>;
}

/** Creates brokers for some URL schemes. Adapter packages export one as `brokerAdapter`. */
export interface BrokerAdapter {
  readonly kind: 'broker';
  readonly schemes: readonly string[];
  create(url: string, context: AdapterContext): Broker;
}

/** Creates result backends for some URL schemes. Adapter packages export one as `backendAdapter`. */
export interface BackendAdapter {
  readonly kind: 'backend';
  readonly schemes: readonly string[];
  create(url: string, context: AdapterContext): ResultBackend;
}

/** Either kind; `createClient` and `createWorker` take a list of them in `adapters`. */
export type Adapter = BrokerAdapter | BackendAdapter;
