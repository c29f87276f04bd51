/**
 * `celerity inspect <cmd>`, `celerity control <cmd>` and `celerity status`: Celery's remote control
 * from the command line, through the client's `control.call` (the pidbox broadcast Celery and
 * Celerity workers both answer), printed as Celery prints it, or as JSON with `--json`.
 */
import { parseArgs } from 'node:util';
import { silentLogger } from '@celerity/core';
import { collectControlReplies } from '@celerity/core/internal';
import { CommandError, UsageError, against } from './cli-errors.js';
import { compileArguments, renderCommandList } from './control-catalog.js';
import { mergeReplies, renderNodeReply, renderNodesOnline } from './control-output.js';
import { loadCommandSettings, openCommandBroker } from './command-settings.js';
import type { CommandSettings } from './command-settings.js';
import { listFlag, positiveSecondsFlag } from './flag-values.js';
import { colorsFor, disableColors } from './output.js';

/** Celery's exit code when no node replies (`EX_UNAVAILABLE`). */
const NO_REPLY_EXIT = 69;

const REMOTE_OPTIONS = `  -t, --timeout <s>            Seconds to wait for replies (default: 1)
  -d, --destination <nodes>    Comma-separated node names to ask (default: every worker)
  -j, --json                   Print the replies as JSON
  -b, --broker <url>           Broker URL (env CELERITY_BROKER_URL, CELERY_BROKER_URL)
      --config <module>        Configuration module (env CELERITY_CONFIG_MODULE): brokerUrl,
                               brokerTransportOptions, brokerUseSsl
      --no-color               No colours (also NO_COLOR)
  -h, --help                   Show this help`;

const helpOf = (type: 'inspect' | 'control'): string => `Usage: celerity ${type} <command> [arguments] [options]

${type === 'inspect' ? 'Asks the workers about their state' : 'Sends the workers a command'} and prints each node's reply, as Celery's
\`celery ${type}\`. Exits ${NO_REPLY_EXIT} when no node replies in time.

Options:
      --list                   List the ${type} commands and their arguments
${REMOTE_OPTIONS}
`;

const STATUS_HELP = `Usage: celerity status [options]

Pings the workers and lists those that answer, as Celery's \`celery status\`. Exits ${NO_REPLY_EXIT} when
no node replies in time.

Options:
${REMOTE_OPTIONS}
`;

const OPTIONS = {
  timeout: { type: 'string', short: 't' },
  destination: { type: 'string', short: 'd' },
  json: { type: 'boolean', short: 'j' },
  broker: { type: 'string', short: 'b' },
  config: { type: 'string' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The global options (before the command) `inspect`, `control` and `status` read. */
export const REMOTE_GLOBALS: ReadonlySet<string> = new Set(['broker', 'config', 'no-color']);

interface RemoteRequest {
  method: string;
  args: Record<string, unknown>;
  timeout: number;
  destination: string[] | undefined;
  settings: CommandSettings;
}

/** Sends the request and collects the `{node: reply}` items; no reply at all is Celery's error. */
async function ask(request: RemoteRequest): Promise<Array<Record<string, unknown>>> {
  // The broker alone, as `celerity revoke` does: the command needs no client (the worker package depends on core only).
  const broker = await openCommandBroker(request.settings);
  try {
    const replies = await against(request.settings.brokerUrl, () =>
      collectControlReplies(
        broker,
        { method: request.method, arguments: request.args, destination: request.destination ?? null, pattern: null, matcher: null },
        { oid: crypto.randomUUID(), timeout: request.timeout * 1000, logger: silentLogger },
      ),
    );
    if (replies.length === 0) throw new CommandError('Error: No nodes replied within time constraint', NO_REPLY_EXIT);
    return replies.map((reply) => ({ [reply.hostname]: reply.result }));
  } finally {
    await broker.close().catch(() => undefined);
  }
}

function printReplies(replies: ReadonlyArray<Record<string, unknown>>, showBody: boolean): void {
  const colors = colorsFor(process.stdout);
  for (const item of replies) {
    for (const [node, reply] of Object.entries(item)) process.stdout.write(renderNodeReply(node, reply, colors, showBody));
  }
}

/** `celerity inspect …` and `celerity control …`. */
export async function runRemoteCommand(type: 'inspect' | 'control', argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...OPTIONS, list: { type: 'boolean' } } });
  if (values['no-color']) disableColors();
  if (values.help) {
    process.stdout.write(helpOf(type));
    return 0;
  }
  if (values.list) {
    process.stdout.write(renderCommandList(type));
    return 0;
  }
  const [method, ...words] = positionals;
  if (method === undefined) throw new UsageError(`a command is required (celerity ${type} --list shows them)`);
  const args = compileArguments(type, method, words);
  const replies = await ask({
    method,
    args,
    timeout: positiveSecondsFlag('timeout', values.timeout, 1),
    destination: listFlag(values.destination),
    settings: await loadCommandSettings({ config: values.config, broker: values.broker }),
  });
  if (values.json) {
    // Celery's shapes: `inspect` merges the replies into one object, `control` lists them.
    process.stdout.write(`${JSON.stringify(type === 'inspect' ? mergeReplies(replies) : replies)}\n`);
    return 0;
  }
  printReplies(replies, true);
  if (type === 'inspect') process.stdout.write(renderNodesOnline(replies.length));
  return 0;
}

/** `celerity status`: the workers that answer a ping. */
export async function runStatusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  if (values['no-color']) disableColors();
  if (values.help) {
    process.stdout.write(STATUS_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals.join(' ')}'`);
  const replies = await ask({
    method: 'ping',
    args: {},
    timeout: positiveSecondsFlag('timeout', values.timeout, 1),
    destination: listFlag(values.destination),
    settings: await loadCommandSettings({ config: values.config, broker: values.broker }),
  });
  if (values.json) {
    // Only the JSON, so a script can parse stdout (Celery adds its "N nodes online." line after it).
    process.stdout.write(`${JSON.stringify(mergeReplies(replies))}\n`);
    return 0;
  }
  printReplies(replies, false);
  process.stdout.write(renderNodesOnline(replies.length));
  return 0;
}
