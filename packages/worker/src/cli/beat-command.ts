/**
 * `celerity beat`: runs the periodic-task scheduler (any number of processes; one leads through a
 * fenced lease in Redis), and `list | add | remove | enable | disable | run-now` edit the schedule
 * stored in Redis while it runs.
 */
import { parseArgs } from 'node:util';
import { checkEntry, checkSchedule, createBrokerTickSender, openBeatStore, type BeatEntry, type StoredEntry } from '@celerity/beat';
import { CommandError, UsageError, against } from './cli-errors.js';
import { loadCommandSettings, openCommandBroker } from './command-settings.js';
import { beatStoreConnection, beatStoreUrl, codeEntries, positiveSeconds, startBeat } from './beat-process.js';
import { exitAtOnceOnInterrupt } from './interrupt.js';
import { createCommandLogger, logFormatOf, toLevel } from './observability.js';
import { disableColors, renderTable } from './output.js';

const HELP = `Usage: celerity beat [run] [options]
       celerity beat list [--json]
       celerity beat add <name> --task <task> (--every <s> | --cron <expr> [--timezone <tz>] | --at <iso>) [options]
       celerity beat remove|enable|disable|run-now <name>

Sends periodic tasks. The schedule lives in Redis (--store), not in a file as Celery's -s: start
any number of 'celerity beat' processes; one leads at a time through a lease with a fencing token,
and each tick is claimed in Redis with that token. On a Redis broker sharing the store's server and
db, the claim and the queueing of the message are one script: each tick is sent exactly once. On
other brokers a claimed tick stays pending until the broker confirms its publish; a leader killed
in between leaves it to the next, which re-sends it with the same task id (at least once). When a
leader dies the next one takes over within the lease and sends each tick missed meanwhile once
(or skips them, for entries with "missed": "skip"). Entries from -A's 'beatSchedule' export
(defineSchedule, or Celery's beat_schedule shape) and the --config module's beatSchedule are
written to the store at start; 'add' writes more.

Options (run):
  -A, --app <module>       Module exporting beatSchedule (defineSchedule(...) or Celery's beat_schedule shape)
      --config <module>    Configuration module (env CELERITY_CONFIG_MODULE): its beatSchedule, brokerUrl,
                           taskDefaultQueue, brokerTransportOptions and brokerUseSsl are used
                           (the last two by the store's connection too, when the broker is Redis)
  -b, --broker <url>       Broker the tasks are sent to (env CELERITY_BROKER_URL, CELERY_BROKER_URL)
      --store <url>        Redis for the schedule and the lease: redis://, rediss://, sentinel:// or
                           rediscluster:// (env CELERITY_BEAT_STORE_URL; default: the broker, if Redis)
      --prefix <p>         Key prefix in the store (default celerity:beat:)
      --lease <s>          Lease time: a dead leader is replaced within it (default 10)
      --poll <s>           How often the lease is renewed and the schedule read (default 0.25)
  -l, --loglevel <level>   debug, info, warning, error (default info)
      --log-format <f>     text or json
  -s, --schedule <file>    Not used: the schedule is in Redis (--store); given, it is an error
Options (add):
      --task <name>  --every <s> | --cron <expr> [--timezone <tz>] | --at <iso time>
      --args <json array>  --kwargs <json object>  --queue <q>  --priority <n>  --expires <s>
      --missed <run-once|skip>
  -j, --json               list: print JSON
  -h, --help               Show this help
`;

/** The global options (before the command) `beat` reads. */
export const BEAT_GLOBALS: ReadonlySet<string> = new Set(['app', 'broker', 'config', 'no-color']);

const SUBCOMMANDS = new Set(['run', 'list', 'add', 'remove', 'enable', 'disable', 'run-now']);

function jsonFlag(name: string, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new UsageError(`--${name} must be JSON, got '${value}'`);
  }
}

function describeSchedule(entry: BeatEntry): string {
  const s = entry.schedule;
  if ('every' in s) return `every ${s.every}s`;
  if ('cron' in s) return `cron '${s.cron}'${s.timezone ? ` ${s.timezone}` : ''}`;
  return `at ${s.at}`;
}

function listRow(e: StoredEntry): string[] {
  return [e.name, e.task, describeSchedule(e), e.enabled ? 'yes' : 'no', e.lastRun === undefined ? '-' : new Date(e.lastRun).toISOString()];
}

export async function runBeatCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: 'string', short: 'A' },
      config: { type: 'string' },
      broker: { type: 'string', short: 'b' },
      store: { type: 'string' },
      prefix: { type: 'string' },
      lease: { type: 'string' },
      poll: { type: 'string' },
      loglevel: { type: 'string', short: 'l' },
      'log-format': { type: 'string' },
      schedule: { type: 'string', short: 's' },
      task: { type: 'string' },
      every: { type: 'string' },
      cron: { type: 'string' },
      timezone: { type: 'string' },
      at: { type: 'string' },
      args: { type: 'string' },
      kwargs: { type: 'string' },
      queue: { type: 'string' },
      priority: { type: 'string' },
      expires: { type: 'string' },
      missed: { type: 'string' },
      json: { type: 'boolean', short: 'j' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values['no-color']) disableColors();
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [sub = 'run', name, ...rest] = positionals;
  if (!SUBCOMMANDS.has(sub)) throw new UsageError(`unknown beat command '${sub}' (run, list, add, remove, enable, disable, run-now)`);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest.join(' ')}'`);
  if (values.schedule !== undefined) throw new UsageError('-s/--schedule names Celery\'s schedule file; celerity beat keeps the schedule in Redis (--store)');
  const needsName = sub !== 'run' && sub !== 'list';
  if (needsName && name === undefined) throw new UsageError(`beat ${sub} needs an entry name`);
  if (!needsName && name !== undefined) throw new UsageError(`unexpected argument '${name}'`);
  // Settings: the --config module under CELERITY_* variables, under flags (as for the worker).
  const settings = await loadCommandSettings({ config: values.config, broker: values.broker });
  const { config, brokerUrl } = settings;
  const storeUrl = beatStoreUrl(values.store, brokerUrl);
  const prefix = values.prefix;

  if (sub === 'run') {
    const logger = createCommandLogger(logFormatOf(values['log-format'], process.stderr.isTTY === true), toLevel(values.loglevel ?? 'info'));
    const entries = await codeEntries(values.app, config);
    const beat = await startBeat({
      settings,
      storeUrl,
      ...(prefix === undefined ? {} : { prefix }),
      entries,
      leaseMs: positiveSeconds('lease', values.lease, 10) * 1000,
      pollMs: positiveSeconds('poll', values.poll, 0.25) * 1000,
      logger,
      defaultQueue: config.taskDefaultQueue ?? 'celery',
    });
    logger.info(`beat: started (${entries.length} entries from code and configuration; store ${storeUrl.replace(/\/\/[^@/]*@/, '//***@')})`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    logger.info(`beat: stopping (${signal})`);
    await beat.stop();
    return 0;
  }

  exitAtOnceOnInterrupt();
  const { store, close } = openBeatStore(storeUrl, { ...beatStoreConnection(settings), ...(prefix === undefined ? {} : { prefix }) });
  try {
    return await against(storeUrl, async () => {
      switch (sub) {
        case 'list': {
          const entries = await store.list();
          if (values.json) process.stdout.write(`${JSON.stringify(entries)}\n`);
          else process.stdout.write(entries.length === 0 ? 'No beat entries.\n' : renderTable(['name', 'task', 'schedule', 'enabled', 'last run'], entries.map(listRow)));
          return 0;
        }
        case 'add': {
          const kinds = [values.every, values.cron, values.at].filter((v) => v !== undefined);
          if (kinds.length !== 1) throw new UsageError('beat add needs one of --every, --cron, --at');
          if (values.timezone !== undefined && values.cron === undefined) throw new UsageError('--timezone goes with --cron');
          const schedule = checkSchedule(
            values.every !== undefined
              ? { every: positiveSeconds('every', values.every, 0) }
              : values.cron !== undefined
                ? { cron: values.cron, ...(values.timezone === undefined ? {} : { timezone: values.timezone }) }
                : { at: values.at },
          );
          const options: Record<string, unknown> = {};
          if (values.queue !== undefined) options['queue'] = values.queue;
          if (values.priority !== undefined) options['priority'] = Number(values.priority);
          if (values.expires !== undefined) options['expires'] = positiveSeconds('expires', values.expires, 0);
          const entry = checkEntry(name!, {
            task: values.task,
            schedule,
            args: jsonFlag('args', values.args),
            kwargs: jsonFlag('kwargs', values.kwargs),
            options,
            missed: values.missed,
          });
          await store.put([entry]);
          process.stdout.write(`Added beat entry '${entry.name}': ${entry.task}, ${describeSchedule(entry)}.\n`);
          return 0;
        }
        case 'remove':
          if (!(await store.remove(name!))) throw new CommandError(`no beat entry '${name}'`);
          process.stdout.write(`Removed beat entry '${name}'.\n`);
          return 0;
        case 'enable':
        case 'disable':
          if (!(await store.setEnabled(name!, sub === 'enable'))) throw new CommandError(`no beat entry '${name}'`);
          process.stdout.write(`${sub === 'enable' ? 'Enabled' : 'Disabled'} beat entry '${name}'.\n`);
          return 0;
        default: {
          // run-now: one extra send, outside the schedule (its last run is not changed).
          const entry = await store.get(name!);
          if (entry === undefined) throw new CommandError(`no beat entry '${name}'`);
          const broker = await openCommandBroker(settings);
          try {
            await against(brokerUrl, () => createBrokerTickSender(broker, { defaultQueue: config.taskDefaultQueue ?? 'celery' })(entry, Date.now()));
          } finally {
            await broker.close().catch(() => undefined);
          }
          process.stdout.write(`Sent ${entry.task} for beat entry '${entry.name}'.\n`);
          return 0;
        }
      }
    });
  } finally {
    await close();
  }
}
