/**
 * A client's options with the app-level configuration (`config`, Celery's setting names) filled in
 * underneath: an option given to `createClient` wins over the same setting in `config`. The client
 * reads the settings that concern sending and results; the worker's own ones are ignored here.
 */
import type { CelerityConfig } from '@celerity/core';
import { defineConfig } from '@celerity/core';
import type { ClientOptions } from './types.js';

function fromConfig(config: CelerityConfig): Partial<ClientOptions> {
  const out: Partial<ClientOptions> = {};
  if (config.brokerUrl !== undefined) out.broker = config.brokerUrl;
  if (config.resultBackend !== undefined) out.backend = config.resultBackend;
  if (config.taskDefaultQueue !== undefined) out.defaultQueue = config.taskDefaultQueue;
  if (config.taskRoutes !== undefined) out.taskRoutes = config.taskRoutes;
  if (config.taskSerializer !== undefined) out.serializer = config.taskSerializer;
  if (config.resultExpires !== undefined) out.resultExpires = config.resultExpires;
  if (config.taskSendSentEvent !== undefined) out.taskSendSentEvent = config.taskSendSentEvent;
  if (config.brokerTransportOptions !== undefined) out.brokerOptions = { ...config.brokerTransportOptions };
  if (config.resultBackendTransportOptions !== undefined) out.backendOptions = { ...config.resultBackendTransportOptions };
  // TLS goes to the adapters under Celery's names, which they read (adapters ignore keys they do not know).
  if (config.brokerUseSsl !== undefined) out.brokerOptions = { ...out.brokerOptions, broker_use_ssl: config.brokerUseSsl };
  if (config.redisBackendUseSsl !== undefined) out.backendOptions = { ...out.backendOptions, redis_backend_use_ssl: config.redisBackendUseSsl };
  if (config.hooks !== undefined) out.hooks = config.hooks;
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
 * The options with `config` applied beneath them (checked first: a bad setting throws a
 * `ConfigurationError` naming it). Options set to `undefined` do not hide a setting.
 * @example withConfig({ config: { brokerUrl: 'redis://localhost' }, defaultQueue: 'jobs' })
 */
export function withConfig(options: ClientOptions): ClientOptions {
  if (options.config === undefined) return options;
  const merged: Record<string, unknown> = { ...fromConfig(defineConfig(options.config)) };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || key === 'config') continue;
    // Adapter options merge key by key: the transport options of the configuration stay beneath them.
    const beneath = merged[key];
    merged[key] = (key === 'brokerOptions' || key === 'backendOptions') && typeof beneath === 'object' ? underExplicit(beneath as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return merged as ClientOptions;
}
