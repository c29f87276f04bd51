/**
 * Celery's options that may stand before the command (`celery -A proj worker`, `celery -b url
 * inspect ping`): they are moved behind it, so each command parses them as its own. A command
 * that has no use for one of them (`-A` for `inspect`) drops it, as Celery's do.
 */
import { UsageError } from './cli-errors.js';

/** A global option: its spellings and whether it takes a value. */
interface GlobalOption {
  /** The name commands declare it under (`app` for `-A/--app`). */
  name: string;
  short?: string;
  takesValue: boolean;
}

const GLOBAL_OPTIONS: readonly GlobalOption[] = [
  { name: 'app', short: 'A', takesValue: true },
  { name: 'broker', short: 'b', takesValue: true },
  { name: 'result-backend', takesValue: true },
  { name: 'config', takesValue: true },
  { name: 'no-color', takesValue: false },
];

/** Thrown for a global option without its value, or an unknown option before the command (exit 2). */
export class GlobalOptionError extends UsageError {}

/** One option found before the command, normalised to `--name value`. */
export interface HoistedOption {
  name: string;
  args: string[];
}

/** The command, the options given before it, and the arguments after it. */
export interface SplitCommandLine {
  command: string | undefined;
  before: HoistedOption[];
  rest: string[];
}

function find(arg: string): { option: GlobalOption; inline: string | undefined } | undefined {
  if (arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const option = GLOBAL_OPTIONS.find((o) => o.name === name);
    return option && { option, inline: eq === -1 ? undefined : arg.slice(eq + 1) };
  }
  if (/^-[A-Za-z]/.test(arg)) {
    const option = GLOBAL_OPTIONS.find((o) => o.short === arg[1]);
    return option && { option, inline: arg.length > 2 ? arg.slice(2) : undefined };
  }
  return undefined;
}

/**
 * Splits `argv` at the command, collecting Celery's global options given before it.
 * `--help`/`-h`/`--version`/`-V` before the command are left as the "command" for the caller.
 * @example splitCommandLine(['-A', 'tasks.ts', 'worker', '-c', '2']) // { command: 'worker', before: [{ name: 'app', args: ['--app', 'tasks.ts'] }], rest: ['-c', '2'] }
 */
export function splitCommandLine(argv: readonly string[]): SplitCommandLine {
  const before: HoistedOption[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || ['--help', '-h', '--version', '-V'].includes(arg)) return { command: arg, before, rest: argv.slice(i + 1) };
    const found = find(arg);
    if (!found) throw new GlobalOptionError(`unknown option '${arg}' before the command (options go after it: celerity <command> ${arg} …)`);
    const { option, inline } = found;
    if (!option.takesValue) {
      before.push({ name: option.name, args: [`--${option.name}`] });
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new GlobalOptionError(`option '${arg}' needs a value`);
    before.push({ name: option.name, args: [`--${option.name}`, value] });
  }
  return { command: undefined, before, rest: [] };
}

/**
 * The arguments a command parses: the global options it accepts (in `accepts`), then its own,
 * so one given after the command wins over one given before it (the parser keeps the last).
 */
export function commandArguments(split: SplitCommandLine, accepts: ReadonlySet<string>): string[] {
  return [...split.before.filter((o) => accepts.has(o.name)).flatMap((o) => o.args), ...split.rest];
}
