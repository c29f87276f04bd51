/**
 * Checking that no password leaks: broker and backend URLs carrying a recognisable secret, a logger
 * that keeps every line, and an assertion that looks at everything a user or a log collector could
 * see — messages, stacks, causes and fields, printed as `util.inspect` prints them at any depth.
 */
import { inspect } from 'node:util';
import { expect } from 'vitest';
import type { LogFields, Logger, LogLevel } from '@celerity/core';

/**
 * Every password below contains this token, so a leak of any part of one — raw, percent-encoded or
 * decoded — is found by looking for it alone.
 */
export const SECRET_TOKEN = 'zq7S3cret';

/** The passwords used: plain, and one with `@` and `:` (which URLs must percent-encode). */
export const SECRET_PASSWORDS = [`${SECRET_TOKEN}plain`, `${SECRET_TOKEN}@at:colon`] as const;

/**
 * URLs of `scheme` for `host:port` carrying a password: without and with a user name,
 * percent-encoded (`%40`, `%3A`), with options the adapter knows and does not know.
 * @example
 * for (const url of secretUrls('redis', '127.0.0.1', port, '/0')) await expectConnectFails(url);
 */
export function secretUrls(scheme: string, host: string, port: number, path: string): string[] {
  const encoded = SECRET_PASSWORDS.map(encodeURIComponent);
  return [
    `${scheme}://:${encoded[0]}@${host}:${port}${path}`,
    `${scheme}://celerity-user:${encoded[0]}@${host}:${port}${path}`,
    `${scheme}://celerity-user:${encoded[1]}@${host}:${port}${path}`,
    `${scheme}://:${encoded[1]}@${host}:${port}${path}?unknown_option=1`,
  ];
}

/**
 * URLs carrying a password that a `redis` or `amqp` adapter must refuse: a bad port, a bad path or
 * option value, broken percent-encoding, a raw `/` in the password, another scheme, no scheme.
 * @example
 * for (const url of badSecretUrls('redis')) await expectFailureWithoutSecret(() => createRedisBroker({ url }), url);
 */
export function badSecretUrls(scheme: 'redis' | 'amqp'): string[] {
  const [plain, special] = SECRET_PASSWORDS.map(encodeURIComponent) as [string, string];
  const other = scheme === 'redis' ? 'amqp' : 'redis';
  const common = [
    `${scheme}://:${plain}@127.0.0.1:99999/0`,
    `${scheme}://celerity-user:${special}@127.0.0.1:notaport/0`,
    `${scheme}://celerity-user:${plain}%zz@127.0.0.1/0`,
    `${scheme}://:${plain}/with/slashes@127.0.0.1/0`,
    `${other}x://:${plain}@127.0.0.1/0`,
    `:${plain}@127.0.0.1:6379`,
  ];
  return scheme === 'redis'
    ? [...common, `redis://:${plain}@127.0.0.1/notadb`, `redis://celerity-user:12/${plain}@127.0.0.1/0`, `rediss://:${special}@127.0.0.1/0?ssl_cert_reqs=maybe`]
    : [...common, `amqp://celerity-user:${plain}@127.0.0.1//?heartbeat=soon`, `amqps://celerity-user:${special}@127.0.0.1//?frame_max=-1`];
}

/** A log line as a capturing logger keeps it. */
export interface CapturedLine {
  level: LogLevel;
  message: string;
  fields?: LogFields;
}

/** A logger that keeps every line, at every level. */
export interface CapturingLogger extends Logger {
  readonly lines: CapturedLine[];
}

/**
 * A logger that records every line (debug included) for later assertions.
 * @example
 * const logger = createCapturingLogger();
 * createRedisBroker({ url, logger });
 * expectNoSecret(logger.lines);
 */
export function createCapturingLogger(): CapturingLogger {
  const lines: CapturedLine[] = [];
  const log =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      lines.push(fields === undefined ? { level, message } : { level, message, fields });
    };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** Everything a person or a log collector could be shown of `value`. */
function rendered(value: unknown): string {
  const parts = [inspect(value, { depth: Infinity, showHidden: true, maxArrayLength: Infinity, maxStringLength: Infinity })];
  if (value instanceof Error) parts.push(String(value), value.stack ?? '');
  if (typeof value === 'string') parts.push(value);
  return parts.join('\n');
}

/**
 * Fails when {@link SECRET_TOKEN} shows anywhere in `value` (an error with its stack and causes, log
 * lines with their fields, text), and returns what was checked so callers can assert more on it.
 * @example
 * expectNoSecret(await broker.connect().catch((e: unknown) => e), 'connect error');
 */
export function expectNoSecret(value: unknown, what = 'value'): string {
  const text = rendered(value);
  expect(text.includes(SECRET_TOKEN), `${what} shows the password:\n${text}`).toBe(false);
  return text;
}

/**
 * Runs `action` (sync or async), expects it to fail, checks the error shows no password
 * ({@link expectNoSecret}) and returns it.
 * @example
 * const error = await expectFailureWithoutSecret(() => broker.connect(), 'connect');
 */
export async function expectFailureWithoutSecret(action: () => unknown, what: string): Promise<unknown> {
  let error: unknown;
  try {
    await action();
  } catch (caught) {
    error = caught ?? new Error('rejected with nothing');
  }
  expect(error, `${what} should have failed`).toBeDefined();
  expectNoSecret(error, what);
  return error;
}
