/**
 * The app-level configuration beneath a client's or a worker's explicit options: the adapter options
 * its transport and TLS settings give, and the merge in which an explicit option wins. Shared by
 * `createClient` and `createWorker` (and the `celerity` commands), which each map the other settings.
 */
import type { CelerityConfig } from './config.js';

/** The untyped adapter options (`AdapterContext.options`) the configuration gives a broker and a result backend. */
export interface AdapterOptionsFromConfig {
  /** `brokerTransportOptions`, with `brokerUseSsl` as `broker_use_ssl`; undefined when neither is set. */
  brokerOptions?: Record<string, unknown>;
  /** `resultBackendTransportOptions`, with `redisBackendUseSsl` as `redis_backend_use_ssl`; undefined when neither is set. */
  backendOptions?: Record<string, unknown>;
}

/**
 * The adapter options of the configuration's transport and TLS settings.
 * @example adapterOptionsFromConfig({ brokerTransportOptions: { master_name: 'mymaster' }, brokerUseSsl: true })
 * // { brokerOptions: { master_name: 'mymaster', broker_use_ssl: true } }
 */
export function adapterOptionsFromConfig(config: CelerityConfig): AdapterOptionsFromConfig {
  const out: AdapterOptionsFromConfig = {};
  if (config.brokerTransportOptions !== undefined) out.brokerOptions = { ...config.brokerTransportOptions };
  if (config.resultBackendTransportOptions !== undefined) out.backendOptions = { ...config.resultBackendTransportOptions };
  // TLS goes to the adapters under Celery's names, which they read (adapters ignore keys they do not know).
  if (config.brokerUseSsl !== undefined) out.brokerOptions = { ...out.brokerOptions, broker_use_ssl: config.brokerUseSsl };
  if (config.redisBackendUseSsl !== undefined) out.backendOptions = { ...out.backendOptions, redis_backend_use_ssl: config.redisBackendUseSsl };
  return out;
}

/**
 * Adapter options from the configuration beneath explicit ones, key by key. An explicit `ssl` also
 * hides the configuration's TLS setting: adapters read both names, and one of them
 * (`redis_backend_use_ssl ?? ssl`) would otherwise prefer the configuration's.
 */
function underExplicit(beneath: Record<string, unknown>, explicit: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...beneath };
  if (explicit['ssl'] !== undefined) {
    delete rest['broker_use_ssl'];
    delete rest['redis_backend_use_ssl'];
  }
  return { ...rest, ...explicit };
}

/**
 * `options` over `fromConfig` (the options the configuration's settings become): an option set to
 * `undefined` does not hide a setting, `config` itself is left out, and `brokerOptions` /
 * `backendOptions` merge key by key over the configuration's.
 * @example optionsOverConfig({ acksLate: true }, { concurrency: 4, config }) // { acksLate: true, concurrency: 4 }
 */
export function optionsOverConfig<T extends object>(fromConfig: Partial<T>, options: T): T {
  const merged: Record<string, unknown> = { ...fromConfig };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || key === 'config') continue;
    const beneath = merged[key];
    merged[key] = (key === 'brokerOptions' || key === 'backendOptions') && typeof beneath === 'object' ? underExplicit(beneath as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return merged as T;
}
