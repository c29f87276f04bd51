/**
 * `celerity purge`: Celery's `celery purge` — deletes every waiting message of the task queues,
 * after asking (unless `-f`), and says how many went from each queue.
 */
import { parseArgs } from 'node:util';
import { redactUrl } from '@celerity/core/internal';
import { CommandError, UsageError, against } from './cli-errors.js';
import { confirm } from './confirm.js';
import { loadCommandSettings, openCommandBroker } from './command-settings.js';
import { loadTaskModule } from './environment.js';
import { listFlag } from './flag-values.js';
import { colorsFor, disableColors, renderTable } from './output.js';

const HELP = `Usage: celerity purge [options]

Deletes every message waiting in the task queues. There is no undo: it asks first unless -f.
The queues: -Q's, else the default queue (taskDefaultQueue, else celery) and, with -A, the
queues the module's tasks name.

Options:
  -f, --force                  Do not ask
  -Q, --queues <a,b>           Queues to purge
  -X, --exclude-queues <a,b>   Queues not to purge
  -A, --app <module>           Module whose tasks' queues are purged too
  -b, --broker <url>           Broker URL (env CELERITY_BROKER_URL, CELERY_BROKER_URL)
      --config <module>        Configuration module (env CELERITY_CONFIG_MODULE): brokerUrl,
                               taskDefaultQueue, brokerTransportOptions, brokerUseSsl
  -j, --json                   Print {"queues": {name: purged}, "total": n} (needs -f)
      --no-color               No colours (also NO_COLOR)
  -h, --help                   Show this help
`;

/** The global options (before the command) `purge` reads. */
export const PURGE_GLOBALS: ReadonlySet<string> = new Set(['app', 'broker', 'config', 'no-color']);

/** Celery's `text.pluralize`: the word, with an s unless there is one. */
function pluralize(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** The queues to purge: `-Q`'s, else the default one and the module's; less `-X`'s. */
async function queuesToPurge(queues: string[] | undefined, exclude: string[] | undefined, app: string | undefined, defaultQueue: string): Promise<string[]> {
  const names = new Set(queues ?? [defaultQueue]);
  if (queues === undefined && app !== undefined) {
    for (const task of (await loadTaskModule(app)).tasks) if (task.options.queue) names.add(task.options.queue);
  }
  for (const name of exclude ?? []) names.delete(name);
  return [...names].sort();
}

export async function runPurgeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      force: { type: 'boolean', short: 'f' },
      queues: { type: 'string', short: 'Q' },
      'exclude-queues': { type: 'string', short: 'X' },
      app: { type: 'string', short: 'A' },
      broker: { type: 'string', short: 'b' },
      config: { type: 'string' },
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
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals.join(' ')}'`);
  if (values.json && !values.force) throw new UsageError('--json needs -f (it cannot ask)');
  const settings = await loadCommandSettings({ config: values.config, broker: values.broker });
  const names = await queuesToPurge(listFlag(values.queues), listFlag(values['exclude-queues']), values.app, settings.config.taskDefaultQueue ?? 'celery');
  if (names.length === 0) throw new UsageError('no queue left to purge');
  const { brokerUrl } = settings;
  const broker = await openCommandBroker(settings);
  try {
    const headline = pluralize(names.length, 'queue');
    if (!values.force) {
      const sizes = await against(brokerUrl, () => Promise.all(names.map((name) => broker.size(name))));
      process.stderr.write(renderTable(['queue', 'messages'], names.map((name, i) => [name, sizes[i]!]), process.stderr));
      const warning = colorsFor(process.stderr).red('WARNING');
      const question = `${warning}: This will remove all tasks from ${names.length} ${headline} on ${redactUrl(brokerUrl)}: ${names.join(', ')}.\n         There is no undo for this operation!\n\n(to skip this prompt use the -f option)\nAre you sure you want to delete all tasks?`;
      if (!(await confirm(question))) throw new CommandError('Aborted!');
    }
    const purged: Record<string, number> = {};
    await against(brokerUrl, async () => {
      for (const name of names) purged[name] = await broker.purge(name);
    });
    const total = Object.values(purged).reduce((a, b) => a + b, 0);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ queues: purged, total })}\n`);
      return 0;
    }
    process.stdout.write(renderTable(['queue', 'purged'], names.map((name) => [name, purged[name]!])));
    process.stdout.write(total > 0 ? `Purged ${total} ${pluralize(total, 'message')} from ${names.length} known task ${headline}.\n` : `No messages purged from ${names.length} ${headline}.\n`);
    return 0;
  } finally {
    await broker.close().catch(() => undefined);
  }
}
