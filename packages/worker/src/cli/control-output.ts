/**
 * Replies to remote control requests printed as Celery's command line prints them
 * (celery/bin/control.py, celery/bin/base.py): a `->  node: OK` line per node, then the reply
 * indented below it, and "N nodes online." at the end.
 */
import type { Colors } from './output.js';

function indent(text: string, by: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(by) + line)
    .join('\n');
}

/** Keys sorted at every level, as Python's `json.dumps(sort_keys=True)`. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function scalar(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

/** Celery's `CLIContext.pretty`: whether the reply is an error, and its text. */
export function prettyReply(reply: unknown, colors: Colors): { ok: boolean; text: string } {
  if (Array.isArray(reply)) {
    return { ok: true, text: reply.length === 0 ? '- empty -' : reply.map((item) => `${colors.white('*')} ${scalar(item)}`).join('\n') };
  }
  if (typeof reply === 'object' && reply !== null) {
    const record = reply as Record<string, unknown>;
    if ('ok' in record) return { ok: true, text: indent(prettyReply(record['ok'], colors).text, 4) };
    if ('error' in record) return { ok: false, text: indent(prettyReply(record['error'], colors).text, 4) };
    return { ok: true, text: JSON.stringify(sortKeys(reply), null, 4) };
  }
  return { ok: true, text: scalar(reply) };
}

/**
 * One node's reply as Celery's `_say_remote_command_reply` prints it: `->  node: OK` (or ERROR),
 * then with `showBody` the reply indented by 4.
 */
export function renderNodeReply(node: string, reply: unknown, colors: Colors, showBody: boolean): string {
  const { ok, text } = prettyReply(reply, colors);
  const status = ok ? colors.bold(colors.green('OK')) : colors.bold(colors.red('ERROR'));
  const head = `${colors.bold(colors.white('->'))}  ${colors.bold(colors.cyan(`${node}: `))}${status}\n`;
  return showBody && text !== '' ? `${head}${indent(text, 4)}\n` : head;
}

/** Celery's closing line: "\n1 node online." / "\n3 nodes online.". */
export function renderNodesOnline(count: number): string {
  return `\n${count} ${count === 1 ? 'node' : 'nodes'} online.\n`;
}

/** The `{node: reply}` items collected, merged into one object (Celery's `--json` shape). */
export function mergeReplies(replies: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  return Object.assign({}, ...replies) as Record<string, unknown>;
}
