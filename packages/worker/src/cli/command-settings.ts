/**
 * The settings every `celerity` command connects with, read one way for all of them: the
 * configuration module (`--config`, else `CELERITY_CONFIG_MODULE`) under the `CELERITY_*` variables
 * (and Celery's `CELERY_BROKER_URL` / `CELERY_RESULT_BACKEND`), under the command's flags; and the
 * adapter options its transport and TLS settings give (`brokerTransportOptions`,
 * `resultBackendTransportOptions`, `brokerUseSsl`, `redisBackendUseSsl`), so a `sentinel://` URL's
 * `master_name` or a client certificate reaches `call`, `inspect` or `beat` as it reaches the worker.
 */
import type { Broker, CelerityConfig, ResultBackend } from '@celerity/core';
import { createBackendFromUrl, createBrokerFromUrl, loadConfig } from '@celerity/core';
import { adapterOptionsFromConfig } from '@celerity/core/internal';
import { backendUrlFrom, brokerUrlFrom, loadAdapters, loadConfigModule } from './environment.js';

/** The flags a command may have that choose its settings. */
export interface SettingsFlags {
  /** `--config <module>`. */
  config?: string | undefined;
  /** `-b/--broker <url>`. */
  broker?: string | undefined;
  /** `--result-backend <url>`. */
  resultBackend?: string | undefined;
}

/** What a command connects with. */
export interface CommandSettings {
  /** The configuration: the module's settings under the environment's. */
  readonly config: CelerityConfig;
  /** `-b`, else the configuration's `brokerUrl` (or its variables), else `memory://`. */
  readonly brokerUrl: string;
  /** `--result-backend`, else the configuration's `resultBackend` (or its variables). */
  readonly backendUrl: string | undefined;
  /** Adapter options for the broker: `brokerTransportOptions` and `brokerUseSsl` as `broker_use_ssl`. */
  readonly brokerOptions: Record<string, unknown>;
  /** Adapter options for the result backend: `resultBackendTransportOptions` and `redisBackendUseSsl` as `redis_backend_use_ssl`. */
  readonly backendOptions: Record<string, unknown>;
}

/**
 * Reads the configuration module (when `--config` or `CELERITY_CONFIG_MODULE` names one), the
 * environment and the flags. A bad setting is a `ConfigurationError` naming it (and its variable).
 * @example
 * const settings = await loadCommandSettings({ config: values.config, broker: values.broker });
 * const broker = await openCommandBroker(settings);
 */
export async function loadCommandSettings(flags: SettingsFlags = {}): Promise<CommandSettings> {
  const configModule = flags.config ?? (process.env['CELERITY_CONFIG_MODULE'] || undefined);
  const config = loadConfig({ env: process.env, ...(configModule === undefined ? {} : { base: await loadConfigModule(configModule) }) });
  const { brokerOptions = {}, backendOptions = {} } = adapterOptionsFromConfig(config);
  return {
    config,
    brokerUrl: flags.broker ?? config.brokerUrl ?? brokerUrlFrom(undefined),
    backendUrl: flags.resultBackend ?? config.resultBackend ?? backendUrlFrom(undefined),
    brokerOptions,
    backendOptions,
  };
}

/** The broker of `settings` (its adapter found by URL scheme), with the configuration's adapter options; not connected yet. */
export async function openCommandBroker(settings: CommandSettings): Promise<Broker> {
  return createBrokerFromUrl(settings.brokerUrl, { adapters: await loadAdapters(settings.brokerUrl, undefined), options: settings.brokerOptions });
}

/** The result backend at `url` (the settings' `backendUrl`, once the caller made sure there is one), with the configuration's adapter options; not connected yet. */
export async function openCommandBackend(settings: CommandSettings, url: string): Promise<ResultBackend> {
  return createBackendFromUrl(url, { adapters: await loadAdapters('memory://', url), options: settings.backendOptions });
}
