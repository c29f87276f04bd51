/**
 * A client's options with the app-level configuration (`config`, Celery's setting names) filled in
 * underneath: an option given to `createClient` wins over the same setting in `config`. The client
 * reads the settings that concern sending and results; the worker's own ones are ignored here.
 */
import type { CelerityConfig } from '@celerity/core';
import { defineConfig } from '@celerity/core';
import { adapterOptionsFromConfig, optionsOverConfig } from '@celerity/core/internal';
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
  const adapterOptions = adapterOptionsFromConfig(config);
  if (adapterOptions.brokerOptions !== undefined) out.brokerOptions = adapterOptions.brokerOptions;
  if (adapterOptions.backendOptions !== undefined) out.backendOptions = adapterOptions.backendOptions;
  if (config.hooks !== undefined) out.hooks = config.hooks;
  return out;
}

/**
 * The options with `config` applied beneath them (checked first: a bad setting throws a
 * `ConfigurationError` naming it). Options set to `undefined` do not hide a setting.
 * @example withConfig({ config: { brokerUrl: 'redis://localhost' }, defaultQueue: 'jobs' })
 */
export function withConfig(options: ClientOptions): ClientOptions {
  if (options.config === undefined) return options;
  return optionsOverConfig(fromConfig(defineConfig(options.config)), options);
}
