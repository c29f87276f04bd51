/** `celerity worker`: start a worker for the tasks a module exports. */
import { parseArgs } from 'node:util';
import type { Logger } from '@celerity/core';
import { isAbsolute, resolve } from 'node:path';
import { createWorker } from '../worker.js';
import { parseAutoscale, poolFromWord } from '../pool/pool-config.js';
import { renderBanner } from './banner.js';
import { loadCommandSettings, type CommandSettings } from './command-settings.js';
import { loadAdapters, loadOptionalSerializers, loadTaskModule } from './environment.js';
import { installShutdownSignals } from './shutdown-signals.js';
import { createCommandLogger, loadWorkerMetrics, logFormatOf, metricsPortOf, toLevel } from './observability.js';
import { UsageError } from './cli-errors.js';
import { beatStoreUrl, codeEntries, positiveSeconds, startBeat } from './beat-process.js';

const HELP = `Usage: celerity worker -A <module> [options]

Options:
  -A, --app <module>            Module (.ts or .js) exporting task definitions (required)
      --config <module>         Module exporting the configuration (default export or \`config\`,
                                Celery's settings in camelCase; env CELERITY_CONFIG_MODULE).
                                Environment variables CELERITY_<SETTING> win over it, flags over both
  -b, --broker <url>            Broker URL (env CELERITY_BROKER_URL, CELERY_BROKER_URL; default memory://)
      --result-backend <url>    Result backend URL (env CELERITY_RESULT_BACKEND, CELERY_RESULT_BACKEND)
  -Q, --queues <a,b>            Queues to consume (default: taskDefaultQueue, else celery)
  -c, --concurrency <n>         Tasks run at once (default: 10)
      --prefetch-multiplier <n> Messages held per concurrency slot; 0 = no limit (default: 4)
      --soft-shutdown-timeout <s>  Seconds running tasks get on SIGQUIT (or a second Ctrl+C)
                                before they are cancelled and requeued (default: 0)
  -P, --pool <name>             async | threads | processes (default: async); Celery's prefork
                                (= processes) and solo (= async, concurrency 1) are accepted
      --time-limit <s>          Hard time limit for tasks whose message and options give none
      --soft-time-limit <s>     Soft time limit for tasks whose message and options give none
      --max-tasks-per-child <n> threads/processes: replace a child after n tasks
      --max-memory-per-child <KiB>  threads/processes: replace a child past this memory after a task
      --autoscale <max,min>     threads/processes: between min and max children (replaces -c)
  -n, --hostname <name>         Node name (default: celerity@<host>)
  -l, --loglevel <level>        debug | info | warning | error (default: info)
      --log-format <format>     text (Celery's lines) | json (one JSON object a line)
                                (default: text on a terminal, json otherwise)
      --metrics-port <port>     Serve Prometheus metrics at http://0.0.0.0:<port>/metrics
                                (needs @celerity/metrics; 0 = any free port)
      --visibility-timeout <s>  Redis: seconds before an unacked message is redelivered (default: 3600)
      --track-started           Store STARTED when a task begins
      --acks-late               Ack after the task ran
  -E, --task-events             Send Celery's task events (for celery events, Flower)
      --without-heartbeat       Send no worker-online / worker-heartbeat / worker-offline events
  -B, --beat                    Run celerity beat in this worker too: the -A module's beatSchedule and
                                the configuration's, stored in the Redis of --beat-store (env
                                CELERITY_BEAT_STORE_URL; default: the broker); see celerity beat --help
      --beat-store <url>        -B: Redis for the schedule and the lease
      --beat-prefix <p>         -B: key prefix in the store (default celerity:beat:)
      --beat-lease <s>          -B: lease time: a dead leader is replaced within it (default 10)
      --beat-poll <s>           -B: how often the lease is renewed and the schedule read (default 0.25)
      --eta-hold-limit <s>      AMQP: hold ETA tasks unacked at most this long (default: 900; 0 = no limit)
      --max-deliveries <n>      Deliveries a message may have before it is dead-lettered; 0 = unbounded (default: 5)
      --no-deduplicate-successful-tasks
                                Run redelivered messages even when their task already succeeded
      --connect-retries <n>     Start-up attempts after the first while the broker is down (default: 100)
      --connect-retry-delay <s> Seconds before the first retry, growing by as much each time (default: 2)
      --connect-retry-max-delay <s>  Longest wait between two start-up attempts (default: 30)
      --eta-task-limit <n>      Most ETA / countdown tasks held at once (default: unbounded)
  -h, --help                    Show this help

Signals (as Celery 5.5): SIGTERM or Ctrl+C: warm shutdown (running tasks finish). SIGQUIT or a
second Ctrl+C: cold shutdown (soft first with --soft-shutdown-timeout): running tasks are cancelled
and their messages requeued. REMAP_SIGTERM=SIGQUIT makes SIGTERM cold too.
`;


function nonNegativeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0)) throw new Error(`--${name} must be a number ≥ 0, got '${value}'`);
  return n;
}

function nonNegativeInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`--${name} must be an integer ≥ 0, got '${value}'`);
  return n;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}

/** The `--beat-*` flags of `-B`. */
interface EmbeddedBeatFlags {
  'beat-store'?: string | undefined;
  'beat-prefix'?: string | undefined;
  'beat-lease'?: string | undefined;
  'beat-poll'?: string | undefined;
}

/** `-B`: beat in this process, with the `--beat-*` flags (else beat's defaults); null when it cannot start (the worker is stopped). */
async function startEmbeddedBeat(
  app: string,
  settings: CommandSettings,
  flags: EmbeddedBeatFlags,
  logger: Logger,
  worker: { stop(): Promise<void> },
): Promise<{ stop(): Promise<void> } | null> {
  try {
    const { config } = settings;
    const entries = await codeEntries(app, config);
    const prefix = flags['beat-prefix'];
    return await startBeat({
      settings,
      storeUrl: beatStoreUrl(flags['beat-store'], settings.brokerUrl),
      ...(prefix === undefined ? {} : { prefix }),
      entries,
      leaseMs: positiveSeconds('beat-lease', flags['beat-lease'], 10) * 1000,
      pollMs: positiveSeconds('beat-poll', flags['beat-poll'], 0.25) * 1000,
      logger,
      defaultQueue: config.taskDefaultQueue ?? 'celery',
    });
  } catch (error) {
    logger.error(`beat: cannot start: ${oneLine(error)}`);
    await worker.stop();
    return null;
  }
}

export async function runWorkerCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      app: { type: 'string', short: 'A' },
      config: { type: 'string' },
      'soft-shutdown-timeout': { type: 'string' },
      broker: { type: 'string', short: 'b' },
      'result-backend': { type: 'string' },
      queues: { type: 'string', short: 'Q' },
      concurrency: { type: 'string', short: 'c' },
      pool: { type: 'string', short: 'P' },
      'time-limit': { type: 'string' },
      'soft-time-limit': { type: 'string' },
      'max-tasks-per-child': { type: 'string' },
      'max-memory-per-child': { type: 'string' },
      autoscale: { type: 'string' },
      'prefetch-multiplier': { type: 'string' },
      hostname: { type: 'string', short: 'n' },
      loglevel: { type: 'string', short: 'l' },
      'log-format': { type: 'string' },
      'metrics-port': { type: 'string' },
      'visibility-timeout': { type: 'string' },
      'track-started': { type: 'boolean' },
      'acks-late': { type: 'boolean' },
      'task-events': { type: 'boolean', short: 'E' },
      'without-heartbeat': { type: 'boolean' },
      'eta-hold-limit': { type: 'string' },
      'max-deliveries': { type: 'string' },
      'no-deduplicate-successful-tasks': { type: 'boolean' },
      'connect-retries': { type: 'string' },
      'connect-retry-delay': { type: 'string' },
      'connect-retry-max-delay': { type: 'string' },
      'eta-task-limit': { type: 'string' },
      beat: { type: 'boolean', short: 'B' },
      'beat-store': { type: 'string' },
      'beat-prefix': { type: 'string' },
      'beat-lease': { type: 'string' },
      'beat-poll': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.app) {
    process.stderr.write(`celerity worker: -A/--app is required\n\n${HELP}`);
    return 2;
  }
  const beatFlag = (['beat-store', 'beat-prefix', 'beat-lease', 'beat-poll'] as const).find((flag) => values[flag] !== undefined);
  if (beatFlag !== undefined && !values.beat) throw new UsageError(`--${beatFlag} goes with -B`);
  const logger = createCommandLogger(logFormatOf(values['log-format'], process.stderr.isTTY === true), toLevel(values.loglevel ?? 'info'));
  const metricsPort = metricsPortOf(values['metrics-port']);
  const metrics = metricsPort === undefined ? undefined : await loadWorkerMetrics(metricsPort);
  // Settings: the --config module, under CELERITY_* (and Celery's CELERY_BROKER_URL…) variables, under flags.
  const settings = await loadCommandSettings({ config: values.config, broker: values.broker, resultBackend: values['result-backend'] });
  const { config, brokerUrl, backendUrl } = settings;
  const chosen = values.pool === undefined ? { pool: 'async' as const } : poolFromWord(values.pool);
  const autoscale = values.autoscale === undefined ? undefined : parseAutoscale(values.autoscale);
  // --autoscale's max, else -c, else solo's 1, else the configuration's, else 10.
  const concurrency = autoscale?.max ?? (values.concurrency === undefined ? (chosen.concurrency ?? config.workerConcurrency ?? 10) : positiveInt('concurrency', values.concurrency, 10));
  const timeLimit = nonNegativeNumber('time-limit', values['time-limit']);
  const softTimeLimit = nonNegativeNumber('soft-time-limit', values['soft-time-limit']);
  const maxTasksPerChild = values['max-tasks-per-child'] === undefined ? undefined : positiveInt('max-tasks-per-child', values['max-tasks-per-child'], 0);
  const maxMemoryPerChild = values['max-memory-per-child'] === undefined ? undefined : positiveInt('max-memory-per-child', values['max-memory-per-child'], 0);
  const prefetchMultiplier = nonNegativeInt('prefetch-multiplier', values['prefetch-multiplier']);
  const softShutdownTimeout = nonNegativeNumber('soft-shutdown-timeout', values['soft-shutdown-timeout']) ?? config.workerSoftShutdownTimeout ?? 0;
  const queues = values.queues === undefined ? [config.taskDefaultQueue ?? 'celery'] : values.queues.split(',').map((q) => q.trim()).filter(Boolean);
  const adapters = await loadAdapters(brokerUrl, backendUrl);
  const app = await loadTaskModule(values.app);
  // Celery starts a worker with no tasks too; say so, since it is rarely what was meant.
  if (app.tasks.length === 0) logger.warn(`${values.app} exports no tasks (defineTask(…) exports, or a default export of them): every task it receives fails with NotRegistered`);
  const connectRetries = nonNegativeNumber('connect-retries', values['connect-retries']);
  const connectRetryDelay = nonNegativeNumber('connect-retry-delay', values['connect-retry-delay']);
  const connectRetryMaxDelay = nonNegativeNumber('connect-retry-max-delay', values['connect-retry-max-delay']);
  const etaTaskLimit = values['eta-task-limit'] === undefined ? undefined : positiveInt('eta-task-limit', values['eta-task-limit'], 0);
  const etaHoldLimit = nonNegativeNumber('eta-hold-limit', values['eta-hold-limit']);
  const maxDeliveries = nonNegativeNumber('max-deliveries', values['max-deliveries']);
  const brokerOptions: Record<string, unknown> = {};
  if (values['visibility-timeout']) brokerOptions['visibilityTimeout'] = Number(values['visibility-timeout']);
  const worker = createWorker({
    config,
    broker: brokerUrl,
    adapters,
    ...(backendUrl ? { backend: backendUrl } : {}),
    tasks: app.tasks,
    queues,
    concurrency,
    ...(prefetchMultiplier === undefined ? {} : { prefetchMultiplier }),
    softShutdownTimeout,
    ...(values.hostname ? { hostname: values.hostname } : {}),
    logger,
    ...(metrics === undefined ? {} : { observers: [metrics.observer] }),
    serializers: await loadOptionalSerializers(),
    // Flags only switch on; unset, the configuration decides.
    ...(values['track-started'] ? { trackStarted: true } : {}),
    ...(values['acks-late'] ? { acksLate: true } : {}),
    ...(values['task-events'] ? { eventsEnabled: true } : {}),
    ...(values['without-heartbeat'] ? { withoutHeartbeat: true } : {}),
    deduplicateSuccessfulTasks: !values['no-deduplicate-successful-tasks'],
    brokerOptions,
    ...(connectRetries === undefined ? {} : { connectRetries }),
    ...(maxDeliveries === undefined ? {} : { maxDeliveries }),
    ...(connectRetryDelay === undefined ? {} : { connectRetryDelay: connectRetryDelay * 1000 }),
    ...(connectRetryMaxDelay === undefined ? {} : { connectRetryMaxDelay: connectRetryMaxDelay * 1000 }),
    ...(etaTaskLimit === undefined ? {} : { etaTaskLimit }),
    ...(etaHoldLimit === undefined ? {} : { etaHoldLimit }),
    pool: chosen.pool,
    // The children import the same module as the command did, by its absolute path.
    tasksModule: isAbsolute(values.app) ? values.app : resolve(process.cwd(), values.app),
    ...(autoscale === undefined ? {} : { autoscale }),
    ...(timeLimit === undefined ? {} : { timeLimit }),
    ...(softTimeLimit === undefined ? {} : { softTimeLimit }),
    ...(maxTasksPerChild === undefined ? {} : { maxTasksPerChild }),
    ...(maxMemoryPerChild === undefined ? {} : { maxMemoryPerChild }),
  });
  process.stdout.write(
    renderBanner({
      hostname: worker.hostname,
      app: app.path,
      transport: brokerUrl,
      results: backendUrl ?? 'disabled://',
      concurrency,
      pool: chosen.pool,
      queues,
      // Celery's banner leaves its built-in celery.* tasks out below debug level.
      tasks: [...worker.tasks.keys()].filter((name) => toLevel(values.loglevel ?? 'info') === 'debug' || !name.startsWith('celery.')).sort(),
      events: worker.eventsEnabled,
    }),
  );
  let bySignal = false;
  const done = installShutdownSignals({
    stop: (stopOptions) => {
      bySignal = true;
      return worker.stop(stopOptions);
    },
    logger,
    softShutdownTimeout,
    remapSigterm: process.env['REMAP_SIGTERM'] === 'SIGQUIT',
    on: (signal, handler) => void process.on(signal, handler),
    exit: (code) => process.exit(code),
  });
  try {
    await worker.start();
  } catch (error) {
    // One line, like Celery's "consumer: Cannot connect to …": the worker closed what it opened,
    // so returning lets the process exit (non-zero) instead of idling without consuming.
    logger.error(`worker: cannot start: ${oneLine(error)}`);
    return 1;
  }
  if (metrics !== undefined) {
    try {
      const port = await metrics.serve(worker);
      logger.info(`Metrics at http://0.0.0.0:${port}/metrics`, { metricsPort: port });
    } catch (error) {
      logger.error(`worker: cannot serve metrics on port ${metricsPort!}: ${oneLine(error)}`);
      await worker.stop();
      return 1;
    }
  }
  const beat = values.beat ? await startEmbeddedBeat(values.app, settings, values, logger, worker) : undefined;
  if (beat === null) return 1;
  // A remote `shutdown` stops the worker without a signal: a warm stop, exit code 0.
  const code = await Promise.race([done, worker.stopped.then(() => (bySignal ? done : 0))]);
  await beat?.stop();
  await metrics?.close();
  // Bodies cancelled by a soft or cold shutdown may still hold timers: their messages are back in
  // the queue and nothing of theirs is stored, so leave now rather than wait for them.
  if (worker.stats.active > 0) process.exit(code);
  return code;
}
