/**
 * Celery's remote control commands as its `celery inspect` / `celery control` know them (Celery
 * 5.5's `Panel.meta`): the name, whether it inspects or controls, and how the words after the name
 * become the request's arguments (typed positionals, then the rest as one list).
 */
import { UsageError } from './cli-errors.js';

/** How a positional word is read. */
type ArgKind = 'str' | 'int' | 'float' | 'bool';

/** One command. */
export interface ControlCommandInfo {
  type: 'inspect' | 'control';
  /** Named positionals, in order. */
  args: ReadonlyArray<readonly [name: string, kind: ArgKind]>;
  /** The argument the remaining words go to, as a list. */
  variadic?: string;
  /** The usage shown by `--list` (Celery's wording). */
  signature?: string;
  help: string;
}

export const CONTROL_COMMANDS: Readonly<Record<string, ControlCommandInfo>> = {
  active: { type: 'inspect', args: [], help: 'List of tasks currently being executed.' },
  active_queues: { type: 'inspect', args: [], help: 'List the task queues a worker is currently consuming from.' },
  clock: { type: 'inspect', args: [], help: 'Get current logical clock value.' },
  conf: { type: 'inspect', args: [['with_defaults', 'bool']], signature: '[include_defaults=False]', help: 'List configuration.' },
  memdump: { type: 'inspect', args: [['samples', 'int']], signature: '[n_samples=10]', help: 'Dump statistics of previous memsample requests.' },
  memsample: { type: 'inspect', args: [], help: 'Sample current RSS memory usage.' },
  objgraph: { type: 'inspect', args: [['type', 'str'], ['num', 'int'], ['max_depth', 'int']], signature: '[object_type=Request] [num=200 [max_depth=10]]', help: 'Create graph of uncollected objects (memory-leak debugging).' },
  ping: { type: 'inspect', args: [], help: 'Ping worker(s).' },
  query_task: { type: 'inspect', args: [], variadic: 'ids', signature: '[id1 [id2 [... [idN]]]]', help: 'Query for task information by id.' },
  registered: { type: 'inspect', args: [], variadic: 'taskinfoitems', signature: '[attr1 [attr2 [... [attrN]]]]', help: 'List of registered tasks.' },
  report: { type: 'inspect', args: [], help: 'Information about Celery installation for bug reports.' },
  reserved: { type: 'inspect', args: [], help: 'List of currently reserved tasks, not including scheduled/active.' },
  revoked: { type: 'inspect', args: [], help: 'List of revoked task-ids.' },
  scheduled: { type: 'inspect', args: [], help: 'List of currently scheduled ETA/countdown tasks.' },
  stats: { type: 'inspect', args: [], help: 'Request worker statistics/information.' },
  add_consumer: { type: 'control', args: [['queue', 'str'], ['exchange', 'str'], ['exchange_type', 'str'], ['routing_key', 'str']], signature: '<queue> [exchange [type [routing_key]]]', help: 'Tell worker(s) to consume from task queue by name.' },
  autoscale: { type: 'control', args: [['max', 'int'], ['min', 'int']], signature: '[max [min]]', help: 'Modify autoscale settings.' },
  cancel_consumer: { type: 'control', args: [['queue', 'str']], signature: '<queue>', help: 'Tell worker(s) to stop consuming from task queue by name.' },
  disable_events: { type: 'control', args: [], help: 'Tell worker(s) to stop sending task-related events.' },
  election: { type: 'control', args: [], help: 'Hold election.' },
  enable_events: { type: 'control', args: [], help: 'Tell worker(s) to send task-related events.' },
  heartbeat: { type: 'control', args: [], help: 'Tell worker(s) to send event heartbeat immediately.' },
  pool_grow: { type: 'control', args: [['n', 'int']], signature: '[N=1]', help: 'Grow pool by n processes/threads.' },
  pool_restart: { type: 'control', args: [], help: 'Restart execution pool.' },
  pool_shrink: { type: 'control', args: [['n', 'int']], signature: '[N=1]', help: 'Shrink pool by n processes/threads.' },
  rate_limit: { type: 'control', args: [['task_name', 'str'], ['rate_limit', 'str']], signature: '<task_name> <rate_limit (e.g., 5/s | 5/m | 5/h)>', help: 'Tell worker(s) to modify the rate limit for a task by type.' },
  revoke: { type: 'control', args: [], variadic: 'task_id', signature: '[id1 [id2 [... [idN]]]]', help: 'Revoke task by task id (or list of ids).' },
  revoke_by_stamped_headers: { type: 'control', args: [], variadic: 'headers', signature: '[key1=value1 [key2=value2 [... [keyN=valueN]]]]', help: 'Revoke task by header (or list of headers).' },
  shutdown: { type: 'control', args: [], help: 'Shutdown worker(s).' },
  terminate: { type: 'control', args: [['signal', 'str']], variadic: 'task_id', signature: '<signal> [id1 [id2 [... [idN]]]]', help: 'Terminate task by task id (or list of ids).' },
  time_limit: { type: 'control', args: [['task_name', 'str'], ['soft', 'float'], ['hard', 'float']], signature: '<task_name> <soft_secs> [hard_secs]', help: 'Tell worker(s) to modify the time limit for task by type.' },
};

/** The commands of one type, sorted by name. */
export function commandsOfType(type: ControlCommandInfo['type']): Array<[string, ControlCommandInfo]> {
  return Object.entries(CONTROL_COMMANDS)
    .filter(([, info]) => info.type === type)
    .sort(([a], [b]) => a.localeCompare(b));
}

/** Celery's `--list` text: each command with its signature, and its help. */
export function renderCommandList(type: ControlCommandInfo['type']): string {
  const rows = commandsOfType(type).map(([name, info]) => [info.signature ? `${name} ${info.signature}` : name, info.help] as const);
  const width = Math.max(...rows.map(([usage]) => usage.length));
  return `${type === 'inspect' ? 'Inspect' : 'Control'} Commands:\n${rows.map(([usage, help]) => `  ${usage.padEnd(width)}  ${help}`).join('\n')}\n`;
}

/** Python's `strtobool`, as Celery reads `conf`'s argument. */
function strToBool(word: string): boolean {
  const w = word.toLowerCase();
  if (['y', 'yes', 't', 'true', 'on', '1'].includes(w)) return true;
  if (['n', 'no', 'f', 'false', 'off', '0'].includes(w)) return false;
  throw new UsageError(`invalid truth value '${word}'`);
}

function read(command: string, name: string, kind: ArgKind, word: string): unknown {
  if (kind === 'str') return word;
  if (kind === 'bool') return strToBool(word);
  const n = Number(word);
  if (word.trim() === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
    throw new UsageError(`${command}: ${name} takes ${kind === 'int' ? 'a whole number' : 'a number'}, got '${word}'`);
  }
  return n;
}

/**
 * Checks the command's name and turns the words after it into the request's arguments, as
 * Celery's `_compile_arguments` does: typed positionals first, then the variadic list (always
 * sent when the command has one, empty or not). Too many words for a command without a list, or
 * a name of the other type, is a {@link UsageError}.
 * @example compileArguments('control', 'rate_limit', ['tasks.add', '5/s']) // { task_name: 'tasks.add', rate_limit: '5/s' }
 */
export function compileArguments(type: ControlCommandInfo['type'], command: string, words: readonly string[]): Record<string, unknown> {
  const info = CONTROL_COMMANDS[command];
  if (info?.type !== type) {
    throw new UsageError(`Command ${command} not recognized. Available ${type} commands: ${commandsOfType(type).map(([name]) => name).join(', ')}`);
  }
  const args: Record<string, unknown> = {};
  let i = 0;
  for (; i < words.length && i < info.args.length; i++) {
    const [name, kind] = info.args[i]!;
    args[name] = read(command, name, kind, words[i]!);
  }
  if (i < words.length && info.variadic === undefined) throw new UsageError(`Command '${command}' takes arguments: ${info.signature ?? '(none)'}`);
  if (info.variadic !== undefined) args[info.variadic] = words.slice(i);
  return args;
}
