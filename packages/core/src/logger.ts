/** One small logging seam: levels plus structured fields. The CLI renders it the way Celery's worker does. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields attached to a log line (task id, queue, error…). */
export type LogFields = Record<string, unknown>;

/** What every component logs through. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger that drops everything (the default for libraries). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Options of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Lowest level printed. @default 'info' */
  level?: LogLevel;
  /** Where lines go. @default process.stderr */
  write?: (line: string) => void;
  /** Clock seam for tests. @default () => new Date() */
  now?: () => Date;
  /** Prefix after the level, e.g. the process name. */
  name?: string;
}

/**
 * A logger printing Celery-style lines: `[2026-11-23 18:46:42,215: INFO/MainProcess] message`.
 * @example
 * const logger = createConsoleLogger({ level: 'debug' });
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const threshold = LEVEL_ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const name = options.name ?? 'MainProcess';
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVEL_ORDER[level] < threshold) return;
    const stamp = now().toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
    let line = `[${stamp}: ${level === 'warn' ? 'WARNING' : level.toUpperCase()}/${name}] ${message}`;
    const err = fields?.['error'];
    if (err instanceof Error && level === 'error' && err.stack) line += `\n${err.stack}`;
    write(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
