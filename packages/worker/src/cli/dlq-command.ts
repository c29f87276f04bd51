/** `celerity dlq`: list, show, replay and purge the dead-letter queue of a queue. */
import { parseArgs } from 'node:util';
import type { Broker, DeadLetterQueue } from '@celerity/core';
import { against } from './cli-errors.js';
import { loadCommandSettings, openCommandBroker } from './command-settings.js';
import { startProgress } from './output.js';
import { describeDeadLetter, renderDeadLetter, renderDeadLetterTable, summarizeDeadLetter } from './dlq-format.js';

const HELP = `Usage: celerity dlq <command> [options]

Commands:
  list                 List the dead-lettered messages of a queue, oldest first
  show <id>            Show one entry: reason, headers, body
  replay <id> | --all  Send entries back to their queue (delivery count reset) and remove them
  purge --yes          Delete every entry

Options:
  -b, --broker <url>   Broker URL (env CELERITY_BROKER_URL)
      --config <file>  Configuration module (env CELERITY_CONFIG_MODULE): brokerUrl,
                       brokerTransportOptions, brokerUseSsl
  -Q, --queue <name>   The queue whose dead letters to use (default: celery)
      --limit <n>      list: show at most this many entries (default: 50)
      --all            replay: every entry that is a message
      --yes            purge: delete without asking
      --json           Print JSON instead of text
  -h, --help           Show this help

An entry's id is its task id, or "entry-<hash>" for items that are not task messages.
`;

function plural(n: number): string {
  return `${n} dead-lettered message${n === 1 ? '' : 's'}`;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function usageError(message: string): number {
  process.stderr.write(`celerity dlq: ${message}\n\n${HELP}`);
  return 2;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

interface DlqValues {
  queue: string;
  json: boolean;
  limit: string | undefined;
  all: boolean;
  yes: boolean;
}

async function list(dlq: DeadLetterQueue, v: DlqValues): Promise<number> {
  const limit = positiveInt('limit', v.limit, 50);
  const count = await dlq.count(v.queue);
  const entries = await dlq.list(v.queue, { limit });
  if (v.json) {
    print({ queue: v.queue, count, messages: entries.map(summarizeDeadLetter) });
    return 0;
  }
  process.stdout.write(`${plural(count)} in ${v.queue}\n`);
  if (entries.length > 0) process.stdout.write(renderDeadLetterTable(entries));
  if (entries.length < count) process.stdout.write(`(the oldest ${entries.length} shown; --limit ${count} shows all)\n`);
  return 0;
}

async function show(dlq: DeadLetterQueue, v: DlqValues, id: string | undefined): Promise<number> {
  if (id === undefined) return usageError('show needs an entry id');
  const entry = await dlq.get(v.queue, id);
  if (entry === undefined) return notFound(v, id);
  if (v.json) print(describeDeadLetter(entry));
  else process.stdout.write(renderDeadLetter(entry));
  return 0;
}

function notFound(v: DlqValues, id: string): number {
  if (v.json) print({ queue: v.queue, id, error: 'not found' });
  process.stderr.write(`celerity dlq: no dead-lettered message ${id} in ${v.queue}\n`);
  return 1;
}

/** A replay of fewer entries than this is quick enough to need no progress bar. */
const PROGRESS_THRESHOLD = 100;

async function replay(dlq: DeadLetterQueue, v: DlqValues, id: string | undefined): Promise<number> {
  if (v.all === (id !== undefined)) return usageError('replay takes an entry id or --all (one of them)');
  let replayed: number;
  if (id !== undefined) replayed = await dlq.replay(v.queue, { id });
  else {
    const progress = startProgress(`Replaying ${v.queue}`, await dlq.count(v.queue), PROGRESS_THRESHOLD);
    let shown = 0;
    try {
      replayed = await dlq.replay(v.queue, { all: true }, {
        onReplayed: (n) => {
          progress.advance(n - shown);
          shown = n;
        },
      });
    } finally {
      progress.stop();
    }
  }
  if (id !== undefined && replayed === 0) return notFound(v, id);
  const remaining = await dlq.count(v.queue);
  if (v.json) print({ queue: v.queue, replayed, remaining });
  else process.stdout.write(`Replayed ${plural(replayed)} to ${v.queue}; ${remaining} left in its dead-letter queue\n`);
  return 0;
}

async function purge(dlq: DeadLetterQueue, v: DlqValues): Promise<number> {
  if (!v.yes) {
    const count = await dlq.count(v.queue);
    process.stderr.write(`celerity dlq: ${plural(count)} in ${v.queue} would be deleted; pass --yes to delete them\n`);
    return 2;
  }
  const purged = await dlq.purge(v.queue);
  if (v.json) print({ queue: v.queue, purged });
  else process.stdout.write(`Purged ${plural(purged)} from ${v.queue}\n`);
  return 0;
}

function deadLettersOf(broker: Broker): DeadLetterQueue {
  if (!broker.capabilities.deadLetters || broker.deadLetters === undefined) throw new Error(`the ${broker.transport} broker has no dead-letter queue`);
  return broker.deadLetters;
}

export async function runDlqCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      broker: { type: 'string', short: 'b' },
      config: { type: 'string' },
      queue: { type: 'string', short: 'Q' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      yes: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, id, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === undefined) return usageError('a command is required');
  if (!['list', 'show', 'replay', 'purge'].includes(command)) return usageError(`unknown command '${command}'`);
  if (extra.length > 0 || (id !== undefined && (command === 'list' || command === 'purge'))) return usageError(`unexpected argument '${[id, ...extra].join(' ')}'`);
  const v: DlqValues = { queue: values.queue ?? 'celery', json: values.json ?? false, limit: values.limit, all: values.all ?? false, yes: values.yes ?? false };
  const settings = await loadCommandSettings({ config: values.config, broker: values.broker });
  const { brokerUrl } = settings;
  const broker = await openCommandBroker(settings);
  try {
    const dlq = deadLettersOf(broker);
    return await against(brokerUrl, async () => {
      if (command === 'list') return list(dlq, v);
      if (command === 'show') return show(dlq, v, id);
      if (command === 'replay') return replay(dlq, v, id);
      return purge(dlq, v);
    });
  } finally {
    await broker.close();
  }
}
