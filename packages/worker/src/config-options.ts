/**
 * A worker's options with the app-level configuration (`config`, Celery's setting names) filled in
 * underneath: an option given to `createWorker` wins over the same setting in `config`.
 */
import type { CelerityConfig } from '@celerity/core';
import { defineConfig } from '@celerity/core';
import type { WorkerOptions } from './worker-options.js';

/** The untyped adapter options (`AdapterContext.options`) the configuration gives a broker and a result backend. */
export interface AdapterOptionsFromConfig {
  /** `brokerTransportOptions`, with `brokerUseSsl` as `broker_use_ssl`; undefined when neither is set. */
  brokerOptions?: Record<string, unknown>;
  /** `resultBackendTransportOptions`, with `redisBackendUseSsl` as `redis_backend_use_ssl`; undefined when neither is set. */
  backendOptions?: Record<string, unknown>;
}

/**
 * The adapter options of the configuration's transport and TLS settings, for the worker and for
 * every `celerity` command that opens a broker or a result backend.
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

/** The WorkerOptions each setting becomes. */
function fromConfig(config: CelerityConfig): Partial<WorkerOptions> {
  const out: Partial<WorkerOptions> = {};
  if (config.brokerUrl !== undefined) out.broker = config.brokerUrl;
  if (config.resultBackend !== undefined) out.backend = config.resultBackend;
  if (config.taskDefaultQueue !== undefined) out.defaultQueue = config.taskDefaultQueue;
  if (config.taskRoutes !== undefined) out.taskRoutes = config.taskRoutes;
  if (config.taskSerializer !== undefined) out.serializer = config.taskSerializer;
  if (config.acceptContent !== undefined) out.accept = config.acceptContent;
  if (config.taskAcksLate !== undefined) out.acksLate = config.taskAcksLate;
  if (config.taskTrackStarted !== undefined) out.trackStarted = config.taskTrackStarted;
  if (config.resultExtended !== undefined) out.resultExtended = config.resultExtended;
  if (config.resultExpires !== undefined) out.resultExpires = config.resultExpires;
  if (config.workerConcurrency !== undefined) out.concurrency = config.workerConcurrency;
  if (config.workerPrefetchMultiplier !== undefined) out.prefetchMultiplier = config.workerPrefetchMultiplier;
  if (config.workerSoftShutdownTimeout !== undefined) out.softShutdownTimeout = config.workerSoftShutdownTimeout;
  if (config.brokerConnectionMaxRetries !== undefined) out.connectRetries = config.brokerConnectionMaxRetries;
  if (config.taskTimeLimit !== undefined) out.timeLimit = config.taskTimeLimit;
  if (config.taskSoftTimeLimit !== undefined) out.softTimeLimit = config.taskSoftTimeLimit;
  if (config.taskRejectOnWorkerLost !== undefined) out.rejectOnWorkerLost = config.taskRejectOnWorkerLost;
  if (config.taskAcksOnFailureOrTimeout !== undefined) out.acksOnFailureOrTimeout = config.taskAcksOnFailureOrTimeout;
  if (config.taskDefaultRateLimit !== undefined) out.defaultRateLimit = config.taskDefaultRateLimit;
  if (config.workerSendTaskEvents !== undefined) out.eventsEnabled = config.workerSendTaskEvents;
  const adapterOptions = adapterOptionsFromConfig(config);
  if (adapterOptions.brokerOptions !== undefined) out.brokerOptions = adapterOptions.brokerOptions;
  if (adapterOptions.backendOptions !== undefined) out.backendOptions = adapterOptions.backendOptions;
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
 * @example withConfig({ tasks, config: { taskAcksLate: true }, concurrency: 4 }) // { tasks, acksLate: true, concurrency: 4, … }
 */
export function withConfig(options: WorkerOptions): WorkerOptions {
  if (options.config === undefined) return options;
  const merged: Record<string, unknown> = { ...fromConfig(defineConfig(options.config)) };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || key === 'config') continue;
    // Adapter options merge key by key: the transport options of the configuration stay beneath them.
    const beneath = merged[key];
    merged[key] = (key === 'brokerOptions' || key === 'backendOptions') && typeof beneath === 'object' ? underExplicit(beneath as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return merged as unknown as WorkerOptions;
}
