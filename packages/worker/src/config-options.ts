/**
 * A worker's options with the app-level configuration (`config`, Celery's setting names) filled in
 * underneath: an option given to `createWorker` wins over the same setting in `config`.
 */
import type { CelerityConfig } from '@celerity/core';
import { defineConfig } from '@celerity/core';
import { adapterOptionsFromConfig, optionsOverConfig } from '@celerity/core/internal';
import type { WorkerOptions } from './worker-options.js';

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
 * The options with `config` applied beneath them (checked first: a bad setting throws a
 * `ConfigurationError` naming it). Options set to `undefined` do not hide a setting.
 * @example withConfig({ tasks, config: { taskAcksLate: true }, concurrency: 4 }) // { tasks, acksLate: true, concurrency: 4, … }
 */
export function withConfig(options: WorkerOptions): WorkerOptions {
  if (options.config === undefined) return options;
  return optionsOverConfig(fromConfig(defineConfig(options.config)), options);
}
