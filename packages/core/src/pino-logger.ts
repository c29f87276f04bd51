/**
 * pino (and loggers shaped like it) take their fields first — `logger.info({ task }, 'message')` —
 * where Celerity's `Logger` takes them second. A pino instance type-checks as a `Logger` (its
 * methods also accept `(message, ...args)`), but would drop the fields: `asLogger` recognises it
 * and swaps the arguments, so `createWorker({ logger: pino() })` needs no adapter.
 */
import type { LogFields, Logger } from './logger.js';
import { silentLogger } from './logger.js';

/** The part of a pino logger used here: level methods taking `(fields, message)`. */
interface FieldsFirstLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * pino's shape: `child()` and `bindings()` functions and a `levels` table beside the level methods.
 * Our own loggers and plain `console`-like objects have none of them.
 */
function isPinoLike(logger: Logger): logger is Logger & FieldsFirstLogger {
  const candidate = logger as unknown as Record<string, unknown>;
  return typeof candidate['child'] === 'function' && typeof candidate['bindings'] === 'function' && typeof candidate['levels'] === 'object' && candidate['levels'] !== null;
}

/** pino serializes an error with its stack under `err`; Celerity's fields call it `error`. */
function pinoFields(fields: LogFields): object {
  if (!(fields['error'] instanceof Error) || 'err' in fields) return fields;
  const { error, ...rest } = fields;
  return { ...rest, err: error };
}

/**
 * The logger to log through: `silentLogger` for none, a pino(-like) instance with its arguments put
 * in pino's order, anything else as given.
 * @example
 * const logger = asLogger(options.logger);
 */
export function asLogger(logger: Logger | undefined): Logger {
  if (logger === undefined) return silentLogger;
  if (!isPinoLike(logger)) return logger;
  const pino = logger;
  return {
    debug: (m, f) => (f === undefined ? pino.debug({}, m) : pino.debug(pinoFields(f), m)),
    info: (m, f) => (f === undefined ? pino.info({}, m) : pino.info(pinoFields(f), m)),
    warn: (m, f) => (f === undefined ? pino.warn({}, m) : pino.warn(pinoFields(f), m)),
    error: (m, f) => (f === undefined ? pino.error({}, m) : pino.error(pinoFields(f), m)),
  };
}
