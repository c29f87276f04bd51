/**
 * JSON lines for log collectors (Loki, Elasticsearch, CloudWatch…): one object per line with
 * `time`, `level`, `name`, `msg` and the structured fields, where Celery's text format would need
 * parsing. The `celerity` command uses it when its standard error is not a terminal.
 */
import type { LogFields, Logger, LogLevel } from './logger.js';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Keys every line has; a field of the same name is written as `field.<name>` instead. */
const RESERVED = new Set(['time', 'level', 'name', 'msg']);

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. @default 'info' */
  level?: LogLevel;
  /** Where lines go (without their newline). @default process.stderr */
  write?: (line: string) => void;
  /** Clock seam for tests. @default () => new Date() */
  now?: () => Date;
  /** The `name` of every line, as Celery's process name. @default 'MainProcess' */
  name?: string;
}

/** An Error as JSON: its type, message and stack (JSON.stringify would give `{}`). */
function errorJson(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: error.message };
  if (error.stack) out['stack'] = error.stack;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out['code'] = code;
  return out;
}

/** JSON.stringify that writes errors, bigints and cycles instead of throwing on them or dropping them. */
function stringify(value: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return errorJson(v);
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
    }
    return v;
  });
}

/**
 * A logger writing one JSON object per line: `{"time":"2026-12-06T12:00:00.123Z","level":"info",
 * "name":"MainProcess","msg":"Task tasks.add[…] succeeded in 0.001s: 8","task":"tasks.add"}`.
 * Fields follow the fixed keys; an `Error` field is written with its type, message and stack.
 * @example
 * const logger = createJsonLogger({ level: 'debug' });
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVEL_ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const name = options.name ?? 'MainProcess';
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVEL_ORDER[level] < threshold) return;
    const line: Record<string, unknown> = { time: now().toISOString(), level, name, msg: message };
    if (fields) for (const key of Object.keys(fields)) line[RESERVED.has(key) ? `field.${key}` : key] = fields[key];
    write(stringify(line));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
