/**
 * What the commands show when something goes wrong: one line on stderr and a non-zero exit,
 * never a stack trace of ours. The one exception is the user's own module failing on import: its
 * file, line and stack are what the user needs, so they follow the line.
 */
import { ConnectionError } from '@celerity/core';
import { redactUrl } from '@celerity/core/internal';

/** A mistake in the command line (a bad flag value, a missing argument): exit 2, as parsers do. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** A failure to report as it is (its message is the line shown), with its exit code. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 1,
    /** Lines printed after the message (the user module's stack). */
    readonly details?: string,
  ) {
    super(message);
  }
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

function messageOf(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as ErrorLike).message : undefined;
  return (typeof message === 'string' ? message : String(error)).replace(/\s*\n\s*/g, ' ').trim();
}

/** The errors of node's `parseArgs` (unknown option, missing value…): usage errors. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as ErrorLike | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

/** The network error code under an error, following `cause` and AggregateError's `errors`. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 6) return undefined;
  const e = error as ErrorLike & { errors?: unknown };
  if (typeof e.code === 'string' && e.code in NETWORK_WORDS) return e.code;
  if (Array.isArray(e.errors)) for (const inner of e.errors) {
    const found = networkCode(inner, depth + 1);
    if (found) return found;
  }
  return networkCode(e.cause, depth + 1);
}

/**
 * The line shown for an error that ends a command, and its exit code. `url` is the broker or
 * backend the command used, named (password hidden) when the failure is a connection's.
 */
export function describeFailure(error: unknown, url?: string): { line: string; exitCode: number; details?: string } {
  if (error instanceof UsageError) return { line: error.message, exitCode: 2 };
  if (error instanceof CommandError) return { line: error.message, exitCode: error.exitCode, ...(error.details ? { details: error.details } : {}) };
  if (isParseArgsError(error)) return { line: messageOf(error), exitCode: 2 };
  const code = networkCode(error);
  if (code !== undefined) return { line: `cannot connect to ${url ? redactUrl(url) : 'the server'}: ${NETWORK_WORDS[code]} (${code})`, exitCode: 1 };
  const message = messageOf(error);
  const server = url ? redactUrl(url) : 'the server';
  if (error instanceof ConnectionError) return { line: `cannot connect to ${server}: ${message}`, exitCode: 1 };
  if (/ACCESS.REFUSED|authentication|WRONGPASS|NOAUTH|invalid username-password/i.test(message)) {
    return { line: `cannot connect to ${server}: wrong user name or password (${message})`, exitCode: 1 };
  }
  return { line: message, exitCode: 1 };
}

/**
 * Runs `work` against a server at `url`; a failure that is not already a usage or command error
 * becomes a {@link CommandError} whose line names the server (password hidden) when the failure
 * is a connection's.
 */
export async function against<T>(url: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UsageError || error instanceof CommandError) throw error;
    const { line, exitCode } = describeFailure(error, url);
    throw new CommandError(line, exitCode);
  }
}
