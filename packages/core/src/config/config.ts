/**
 * One app-level configuration, shared by the client, the worker and the `celery` command: Celery's
 * setting names in camelCase (`task_acks_late` → `taskAcksLate`), written in code with
 * {@link defineConfig} or read from the environment with {@link loadConfig}. Every value is checked
 * once, and a bad one is a `ConfigurationError` naming the setting (and the variable it came from).
 */
import { ConfigurationError } from '../errors.js';
import type { Hooks } from './hooks.js';
import type { TaskRoutes } from './routes.js';
import { createTaskRouter } from './routes.js';
import { parseRateLimit } from '../rate-limit.js';

/**
 * Celery's settings that Celerity honours, by their camelCase names. Unset settings keep each
 * component's own default (listed here as Celery's where they are the same).
 */
export interface CelerityConfig {
  /** `broker_url`. Env `CELERITY_BROKER_URL`, then Celery's `CELERY_BROKER_URL`. @default 'memory://' */
  brokerUrl?: string;
  /** `result_backend`. Env `CELERITY_RESULT_BACKEND`, then Celery's `CELERY_RESULT_BACKEND`. @default none (results disabled) */
  resultBackend?: string;
  /** `task_default_queue`: where tasks go that no option, definition or route sends elsewhere; the worker's queue when none is given. @default 'celery' */
  taskDefaultQueue?: string;
  /** `task_routes` (by name, glob or function; see `TaskRoutes`). From the environment: JSON of a map. */
  taskRoutes?: TaskRoutes;
  /** `task_serializer`: what messages are sent with (`'json'`, `'msgpack'`). @default 'json' */
  taskSerializer?: string;
  /** `accept_content`: content types or serializer names the worker accepts. @default every registered serializer */
  acceptContent?: readonly string[];
  /** `task_acks_late` (worker `acksLate`). @default false */
  taskAcksLate?: boolean;
  /** `task_track_started` (worker `trackStarted`). @default false */
  taskTrackStarted?: boolean;
  /** `result_extended` (worker `resultExtended`). @default false */
  resultExtended?: boolean;
  /** `result_expires`: seconds stored results live on backends created from a URL (`expires` of Redis and rpc://); 0 = forever on Redis. @default 86400 */
  resultExpires?: number;
  /** `worker_concurrency` (worker `concurrency`). @default 10 */
  workerConcurrency?: number;
  /** `worker_prefetch_multiplier`: messages held per concurrency slot; 0 = no limit (worker `prefetchMultiplier`). @default 4 */
  workerPrefetchMultiplier?: number;
  /** `worker_soft_shutdown_timeout`: seconds a soft shutdown lets running tasks finish (worker `softShutdownTimeout`). @default 0 */
  workerSoftShutdownTimeout?: number;
  /** `broker_connection_max_retries` (worker `connectRetries`). @default 100 */
  brokerConnectionMaxRetries?: number;
  /** `task_time_limit`, for the worker's `timeLimit` (pools). */
  taskTimeLimit?: number;
  /** `task_soft_time_limit`, for the worker's `softTimeLimit` (pools). */
  taskSoftTimeLimit?: number;
  /** `task_default_rate_limit` (`'10/s'`, `'100/m'`, `'1000/h'` or a number per second), for the worker's `defaultRateLimit`. */
  taskDefaultRateLimit?: string | number;
  /** `task_reject_on_worker_lost`, for the worker's `rejectOnWorkerLost` (pools). */
  taskRejectOnWorkerLost?: boolean;
  /** `task_acks_on_failure_or_timeout`, for the worker's `acksOnFailureOrTimeout` (pools). */
  taskAcksOnFailureOrTimeout?: boolean;
  /** `worker_send_task_events` (`-E`): the worker sends Celery's events (worker `eventsEnabled`). @default false */
  workerSendTaskEvents?: boolean;
  /** `task_send_sent_event`: the client sends a `task-sent` event for each task it sends (client `taskSendSentEvent`). @default false */
  taskSendSentEvent?: boolean;
  /**
   * `broker_transport_options`: adapter options for a broker created from `brokerUrl`, under kombu's
   * names or ours (e.g. `{ master_name: 'mymaster' }` for `sentinel://`, `{ visibility_timeout: 7200 }`).
   * From the environment: JSON of an object. A worker's or client's own `brokerOptions` win key by key.
   */
  brokerTransportOptions?: Readonly<Record<string, unknown>>;
  /** `result_backend_transport_options`: the same for a result backend created from `resultBackend`. */
  resultBackendTransportOptions?: Readonly<Record<string, unknown>>;
  /**
   * `broker_use_ssl`: TLS to the broker, `true` (the defaults) or an object of the broker adapter's TLS
   * options (Redis: `ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`, `ssl_cert_reqs`, `ssl_check_hostname`;
   * RabbitMQ: `ca_certs`, `certfile`, `keyfile`, `cert_reqs`, `server_hostname`). Given to a broker
   * created from `brokerUrl` as its `broker_use_ssl` option, which turns TLS on for `redis://` and
   * `amqp://` URLs too. From the environment: JSON of an object, or `true` / `false`.
   * @example
   * defineConfig({ brokerUrl: 'amqp://rabbit.example.com//', brokerUseSsl: { ca_certs: '/etc/ssl/ca.pem' } })
   */
  brokerUseSsl?: boolean | Readonly<Record<string, unknown>>;
  /**
   * `redis_backend_use_ssl`: the same for a Redis result backend created from `resultBackend` (its
   * `redis_backend_use_ssl` option; redis-py's names as for the Redis broker). From the environment:
   * JSON of an object, or `true` / `false`.
   */
  redisBackendUseSsl?: boolean | Readonly<Record<string, unknown>>;
  /**
   * `beat_schedule`: periodic tasks for `celerity beat` and `celerity worker -B`, by entry name, in
   * Celery's shape (`{ task, schedule, args?, kwargs?, options? }`, `schedule` a number of seconds, a
   * cron string (UTC) or `@celerity/beat`'s `{ every }` / `{ cron, timezone? }` / `{ at }`) plus
   * Celerity's `missed` policy. Checked here as an object of entries naming a task; each entry in
   * full by `@celerity/beat` when beat starts. From the environment: JSON of that object.
   * @example
   * defineConfig({ beatSchedule: { 'add-every-30s': { task: 'tasks.add', schedule: 30, args: [2, 3] } } })
   */
  beatSchedule?: Readonly<Record<string, BeatScheduleEntryConfig>>;
  /** Hooks (Celery's signals); in code only. */
  hooks?: Hooks;
}

/** One entry of {@link CelerityConfig.beatSchedule} (checked in full by `@celerity/beat`). */
export interface BeatScheduleEntryConfig {
  /** The task's registered name. */
  task: string;
  /** Seconds (number), a cron expression (string, UTC), or `{ every }`, `{ cron, timezone? }`, `{ at }`. */
  schedule: number | string | { every: number } | { cron: string; timezone?: string } | { at: string };
  args?: readonly unknown[];
  kwargs?: Readonly<Record<string, unknown>>;
  /** Celery's send options of the entry: `queue`, `priority`, `expires` (seconds). */
  options?: { queue?: string; priority?: number; expires?: number };
  /** Ticks due while no beat ran: sent once each (`'run-once'`, the default) or skipped. */
  missed?: 'run-once' | 'skip';
}

type Kind = 'url' | 'name' | 'boolean' | 'seconds' | 'positiveInt' | 'nonNegativeInt' | 'names' | 'routes' | 'rateLimit' | 'options' | 'ssl' | 'beatSchedule' | 'hooks';

/** Each setting's kind and Celery's name; the environment variable is `CELERITY_` + Celery's name upper-cased. */
const SETTINGS: Readonly<Record<keyof CelerityConfig, { kind: Kind; celery: string; celeryEnv?: string }>> = {
  brokerUrl: { kind: 'url', celery: 'broker_url', celeryEnv: 'CELERY_BROKER_URL' },
  resultBackend: { kind: 'url', celery: 'result_backend', celeryEnv: 'CELERY_RESULT_BACKEND' },
  taskDefaultQueue: { kind: 'name', celery: 'task_default_queue' },
  taskRoutes: { kind: 'routes', celery: 'task_routes' },
  taskSerializer: { kind: 'name', celery: 'task_serializer' },
  acceptContent: { kind: 'names', celery: 'accept_content' },
  taskAcksLate: { kind: 'boolean', celery: 'task_acks_late' },
  taskTrackStarted: { kind: 'boolean', celery: 'task_track_started' },
  workerSendTaskEvents: { kind: 'boolean', celery: 'worker_send_task_events' },
  taskSendSentEvent: { kind: 'boolean', celery: 'task_send_sent_event' },
  resultExtended: { kind: 'boolean', celery: 'result_extended' },
  resultExpires: { kind: 'seconds', celery: 'result_expires' },
  workerConcurrency: { kind: 'positiveInt', celery: 'worker_concurrency' },
  workerPrefetchMultiplier: { kind: 'nonNegativeInt', celery: 'worker_prefetch_multiplier' },
  workerSoftShutdownTimeout: { kind: 'seconds', celery: 'worker_soft_shutdown_timeout' },
  brokerConnectionMaxRetries: { kind: 'nonNegativeInt', celery: 'broker_connection_max_retries' },
  taskTimeLimit: { kind: 'seconds', celery: 'task_time_limit' },
  taskSoftTimeLimit: { kind: 'seconds', celery: 'task_soft_time_limit' },
  taskDefaultRateLimit: { kind: 'rateLimit', celery: 'task_default_rate_limit' },
  taskRejectOnWorkerLost: { kind: 'boolean', celery: 'task_reject_on_worker_lost' },
  taskAcksOnFailureOrTimeout: { kind: 'boolean', celery: 'task_acks_on_failure_or_timeout' },
  brokerTransportOptions: { kind: 'options', celery: 'broker_transport_options' },
  resultBackendTransportOptions: { kind: 'options', celery: 'result_backend_transport_options' },
  brokerUseSsl: { kind: 'ssl', celery: 'broker_use_ssl' },
  redisBackendUseSsl: { kind: 'ssl', celery: 'redis_backend_use_ssl' },
  beatSchedule: { kind: 'beatSchedule', celery: 'beat_schedule' },
  hooks: { kind: 'hooks', celery: '' },
};

const KEYS = Object.keys(SETTINGS) as Array<keyof CelerityConfig>;

const HOOK_NAMES = new Set(['beforeTaskPublish', 'afterTaskPublish', 'taskPrerun', 'taskPostrun', 'taskSuccess', 'taskFailure', 'taskRetry', 'taskRevoked', 'workerReady', 'workerShuttingDown', 'workerShutdown']);

function invalid(key: string, expected: string, value: unknown, source?: string): never {
  const from = source === undefined ? '' : ` (from ${source})`;
  throw new ConfigurationError(`Invalid setting ${key}${from}: expected ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value)}`);
}

/** Checks one value in code form; returns it unchanged. */
function check(key: keyof CelerityConfig, value: unknown, source?: string): unknown {
  const { kind } = SETTINGS[key];
  switch (kind) {
    case 'url':
    case 'name':
      if (typeof value !== 'string' || value === '') invalid(key, 'a non-empty string', value, source);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') invalid(key, 'true or false', value, source);
      return value;
    case 'seconds':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(key, 'a number of seconds ≥ 0', value, source);
      return value;
    case 'positiveInt':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) invalid(key, 'an integer ≥ 1', value, source);
      return value;
    case 'nonNegativeInt':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) invalid(key, 'an integer ≥ 0', value, source);
      return value;
    case 'names':
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '')) invalid(key, 'a non-empty list of names', value, source);
      return value;
    case 'rateLimit':
      try {
        parseRateLimit(value as string | number);
      } catch {
        invalid(key, "a rate such as '10/s', '100/m', '1000/h' or a number per second", value, source);
      }
      return value;
    case 'routes':
      try {
        createTaskRouter(value as TaskRoutes);
      } catch (error) {
        throw new ConfigurationError(`Invalid setting taskRoutes${source === undefined ? '' : ` (from ${source})`}: ${(error as Error).message}`, { cause: error });
      }
      return value;
    case 'options':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(key, 'an object of options', value, source);
      return value;
    case 'ssl':
      // Celery's form: True, or a dict of the transport's TLS options (checked by the adapter).
      if (typeof value !== 'boolean' && (typeof value !== 'object' || value === null || Array.isArray(value))) invalid(key, 'true, false or an object of TLS options', value, source);
      return value;
    case 'beatSchedule': {
      const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
      if (!isObject(value)) invalid(key, 'an object of beat entries by name', value, source);
      for (const [name, entry] of Object.entries(value)) {
        if (!isObject(entry) || typeof entry['task'] !== 'string' || entry['task'] === '' || entry['schedule'] === undefined) {
          invalid(`${key}.${name}`, 'an entry { task, schedule, args?, kwargs?, options?, missed? }', entry, source);
        }
      }
      return value;
    }
    case 'hooks': {
      if (typeof value !== 'object' || value === null) invalid(key, 'an object of hook functions', value, source);
      for (const [name, hook] of Object.entries(value)) {
        if (!HOOK_NAMES.has(name)) throw new ConfigurationError(`Invalid setting hooks: unknown hook '${name}' (known: ${[...HOOK_NAMES].join(', ')})`);
        if (hook !== undefined && typeof hook !== 'function') invalid(`hooks.${name}`, 'a function', hook, source);
      }
      return value;
    }
  }
}

/** Celery's snake_case name → ours, to point a Celery user at the right key. */
function suggestion(key: string): string {
  const ours = KEYS.find((k) => SETTINGS[k].celery === key || k.toLowerCase() === key.toLowerCase());
  return ours === undefined ? `known settings: ${KEYS.join(', ')}` : `did you mean ${ours}?`;
}

/**
 * Checks a configuration written in code and returns it. Unknown keys (a Celery name in snake_case,
 * a typo) and bad values throw a `ConfigurationError` naming the key.
 * @example
 * export const config = defineConfig({
 *   brokerUrl: 'redis://localhost:6379/0',
 *   resultBackend: 'redis://localhost:6379/1',
 *   taskRoutes: { 'images.*': 'images' },
 *   taskAcksLate: true,
 *   workerPrefetchMultiplier: 1,
 * });
 */
export function defineConfig(config: CelerityConfig): CelerityConfig {
  if (typeof config !== 'object' || config === null) throw new ConfigurationError('A configuration must be an object of settings');
  for (const [key, value] of Object.entries(config)) {
    if (!(key in SETTINGS)) throw new ConfigurationError(`Unknown setting '${key}' (${suggestion(key)})`);
    if (value !== undefined) check(key as keyof CelerityConfig, value);
  }
  return config;
}

/** The environment variable of a setting: `CELERITY_` and Celery's name upper-cased (`CELERITY_TASK_ACKS_LATE`). */
export function configEnvName(key: keyof CelerityConfig): string {
  return `CELERITY_${SETTINGS[key].celery.toUpperCase()}`;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** One environment string in code form, or a ConfigurationError naming the variable. */
function parseEnv(key: keyof CelerityConfig, raw: string, variable: string): unknown {
  const { kind } = SETTINGS[key];
  const text = raw.trim();
  switch (kind) {
    case 'boolean':
      if (TRUE.has(text.toLowerCase())) return true;
      if (FALSE.has(text.toLowerCase())) return false;
      return invalid(key, 'true or false (1/0, yes/no, on/off)', raw, variable);
    case 'seconds':
    case 'positiveInt':
    case 'nonNegativeInt':
      return check(key, text === '' ? Number.NaN : Number(text), variable);
    case 'rateLimit':
      return check(key, /^\d+(\.\d+)?$/.test(text) ? Number(text) : text, variable);
    case 'names':
      return check(key, text.split(',').map((s) => s.trim()).filter(Boolean), variable);
    case 'ssl':
      if (TRUE.has(text.toLowerCase())) return true;
      if (FALSE.has(text.toLowerCase())) return false;
      try {
        return check(key, JSON.parse(text), variable);
      } catch (error) {
        if (error instanceof ConfigurationError) throw error;
        return invalid(key, 'true, false or JSON of an object of TLS options', raw, variable);
      }
    case 'routes':
    case 'options':
    case 'beatSchedule': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return invalid(key, kind === 'routes' ? 'JSON of a map of task names or globs to queues' : kind === 'options' ? 'JSON of an object' : 'JSON of an object of beat entries by name', raw, variable);
      }
      return check(key, parsed, variable);
    }
    default:
      return check(key, text, variable);
  }
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Where to read from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Settings from code; a variable that is set wins over them (as Celery's `CELERY_BROKER_URL` does). */
  base?: CelerityConfig;
}

/**
 * The configuration from environment variables over `base`: `CELERITY_<CELERY_NAME>` for every setting
 * (`CELERITY_BROKER_URL`, `CELERITY_TASK_ACKS_LATE=true`, `CELERITY_TASK_ROUTES='{"images.*":"images"}'`),
 * and, for the broker and the backend, Celery's own `CELERY_BROKER_URL` and `CELERY_RESULT_BACKEND`
 * (ours first). Empty variables count as unset. Only settings that are set appear in the result.
 * @example
 * const config = loadConfig({ env: process.env, base: defineConfig({ taskDefaultQueue: 'jobs' }) });
 * const worker = createWorker({ config, tasks });
 */
export function loadConfig(options: LoadConfigOptions = {}): CelerityConfig {
  const env = options.env ?? (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  const config: Record<string, unknown> = { ...(options.base === undefined ? {} : defineConfig(options.base)) };
  for (const key of KEYS) {
    if (SETTINGS[key].kind === 'hooks') continue;
    for (const variable of [configEnvName(key), SETTINGS[key].celeryEnv]) {
      if (variable === undefined) continue;
      const raw = env[variable];
      if (raw === undefined || raw === '') continue;
      config[key] = parseEnv(key, raw, variable);
      break;
    }
  }
  return config as CelerityConfig;
}
