/**
 * Celery's exception dict (`{exc_type, exc_message, exc_module}`) and Python-looking tracebacks,
 * so Python clients can rebuild — or at least name and print — what a JS task threw.
 */
import type { ExceptionInfo } from '../backend.js';
import { ContentDisallowedError, DecodeError, EncodeError, InvalidTaskError, NotRegisteredError, TaskError } from '../errors.js';
import { pythonRepr } from './python-repr.js';

/** Module written for JS errors Python has no class for; Python then builds a synthetic class of that name. */
export const JS_EXCEPTION_MODULE = 'celerity';

/** JS built-in error names whose Python counterpart has another name. */
const JS_TO_PYTHON: Readonly<Record<string, string>> = {
  Error: 'Exception',
  RangeError: 'ValueError',
  ReferenceError: 'NameError',
  URIError: 'ValueError',
  EvalError: 'Exception',
  AggregateError: 'Exception',
};

/** Python built-in exception classes a JS error of the same name can map to (constructible with one argument). */
const PYTHON_BUILTINS: ReadonlySet<string> = new Set([
  'Exception', 'ArithmeticError', 'AssertionError', 'AttributeError', 'BlockingIOError', 'BrokenPipeError',
  'BufferError', 'ChildProcessError', 'ConnectionAbortedError', 'ConnectionError', 'ConnectionRefusedError',
  'ConnectionResetError', 'EOFError', 'FileExistsError', 'FileNotFoundError', 'FloatingPointError', 'ImportError',
  'IndexError', 'InterruptedError', 'IsADirectoryError', 'KeyError', 'LookupError', 'MemoryError',
  'ModuleNotFoundError', 'NameError', 'NotADirectoryError', 'NotImplementedError', 'OSError', 'OverflowError',
  'PermissionError', 'ProcessLookupError', 'RecursionError', 'RuntimeError', 'StopIteration', 'SyntaxError',
  'SystemError', 'TimeoutError', 'TypeError', 'UnboundLocalError', 'ValueError', 'ZeroDivisionError',
]);

/** Node system error codes → the `OSError` subclass Python raises for the same errno. */
const ERRNO_TO_PYTHON: Readonly<Record<string, string>> = {
  ENOENT: 'FileNotFoundError',
  EEXIST: 'FileExistsError',
  EACCES: 'PermissionError',
  EPERM: 'PermissionError',
  EISDIR: 'IsADirectoryError',
  ENOTDIR: 'NotADirectoryError',
  EPIPE: 'BrokenPipeError',
  ECONNREFUSED: 'ConnectionRefusedError',
  ECONNRESET: 'ConnectionResetError',
  ECONNABORTED: 'ConnectionAbortedError',
  ETIMEDOUT: 'TimeoutError',
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.]*$/;

const builtin = (excType: string, args: unknown[]): ExceptionInfo => ({ exc_type: excType, exc_message: args, exc_module: 'builtins' });

/** Celerity errors that have a real Python class (kombu's / Celery's), so Python rebuilds the true type. */
function celerityErrorInfo(err: Error): ExceptionInfo | null {
  if (err instanceof TaskError) return { exc_type: err.excType, exc_message: err.excMessage, exc_module: err.excModule };
  if (err instanceof NotRegisteredError) return { exc_type: 'NotRegistered', exc_message: [err.taskName], exc_module: 'celery.exceptions' };
  if (err instanceof InvalidTaskError) return { exc_type: 'InvalidTaskError', exc_message: [err.message], exc_module: 'celery.exceptions' };
  if (err instanceof ContentDisallowedError) return { exc_type: 'ContentDisallowed', exc_message: [err.message], exc_module: 'kombu.exceptions' };
  if (err instanceof DecodeError) return { exc_type: 'DecodeError', exc_message: [err.message], exc_module: 'kombu.exceptions' };
  if (err instanceof EncodeError) return { exc_type: 'EncodeError', exc_message: [err.message], exc_module: 'kombu.exceptions' };
  return null;
}

/** An error that states its Python class itself (`excType`, `excModule`, `excArgs` / `excMessage`). */
function explicitInfo(err: object): ExceptionInfo | null {
  const e = err as { excType?: unknown; excModule?: unknown; excArgs?: unknown; excMessage?: unknown };
  if (typeof e.excType !== 'string' || e.excType === '') return null;
  const args = Array.isArray(e.excArgs) ? e.excArgs : Array.isArray(e.excMessage) ? e.excMessage : null;
  if (!args) return null;
  return { exc_type: e.excType, exc_message: args, exc_module: typeof e.excModule === 'string' ? e.excModule : null };
}

/**
 * Celery's exception dict for anything thrown. Mapping:
 * - errors that name their Python class (`TaskError` from a remote task, objects with
 *   `excType` + `excArgs`) keep it; `NotRegisteredError` → `celery.exceptions.NotRegistered`,
 *   `DecodeError` / `EncodeError` / `ContentDisallowedError` → their `kombu.exceptions` classes;
 * - `Error` → `Exception`, `RangeError` / `URIError` → `ValueError`, `ReferenceError` → `NameError`;
 *   Node system errors by `code` (`ENOENT` → `FileNotFoundError`, …, others `OSError`);
 * - a name that is a Python built-in (`TypeError`, `SyntaxError`, `TimeoutError`, `KeyError`…)
 *   keeps it, with `exc_module: 'builtins'`;
 * - any other name is kept with `exc_module: 'celerity'` (Python builds a synthetic class);
 * - non-errors become `Exception` with their string (or Python repr) as the message.
 *
 * `exc_message` is `[message]`.
 * @example
 * errorToExceptionInfo(new RangeError('bad')); // { exc_type: 'ValueError', exc_message: ['bad'], exc_module: 'builtins' }
 */
export function errorToExceptionInfo(err: unknown): ExceptionInfo {
  if (!(err instanceof Error)) {
    if (typeof err === 'object' && err !== null) {
      const explicit = explicitInfo(err);
      if (explicit) return explicit;
    }
    return builtin('Exception', [typeof err === 'string' ? err : pythonRepr(err)]);
  }
  const known = celerityErrorInfo(err) ?? explicitInfo(err);
  if (known) return known;
  const args = [err.message];
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && typeof (err as { syscall?: unknown }).syscall === 'string') {
    return builtin(ERRNO_TO_PYTHON[code] ?? 'OSError', args);
  }
  const name = typeof err.name === 'string' && IDENTIFIER.test(err.name) ? err.name : 'Error';
  const mapped = JS_TO_PYTHON[name] ?? name;
  if (PYTHON_BUILTINS.has(mapped)) return builtin(mapped, args);
  return { exc_type: mapped, exc_message: args, exc_module: JS_EXCEPTION_MODULE };
}

/**
 * Reads a stored exception dict (the `result` of a FAILURE / RETRY / REVOKED record); null when
 * `result` is not one. Lenient like Celery: a missing `exc_message` is `[]`, a non-list one is
 * wrapped in a list, a missing `exc_module` is null.
 * @example
 * exceptionInfoFromResult({ exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' });
 */
export function exceptionInfoFromResult(result: unknown): ExceptionInfo | null {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return null;
  const r = result as Record<string, unknown>;
  const type = r['exc_type'];
  if (typeof type !== 'string' || type === '') return null;
  const message = r['exc_message'];
  const module = r['exc_module'];
  return {
    exc_type: type,
    exc_message: Array.isArray(message) ? message : message === undefined || message === null ? [] : [message],
    exc_module: typeof module === 'string' ? module : null,
  };
}

const FRAME_WITH_NAME = /^at (?:async )?(.+?) \((.*?)(?::(\d+))?(?::(\d+))?\)$/;
const FRAME_BARE = /^at (?:async )?(.*?)(?::(\d+))?(?::(\d+))?$/;

/** V8 stack lines (most recent first) → Python `File "…", line N, in fn` lines (most recent last). */
function pythonFrames(stack: string): string[] {
  const frames: string[] = [];
  for (const raw of stack.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('at ')) continue;
    const named = FRAME_WITH_NAME.exec(line);
    const [fn, file, lineNo] = named ? [named[1], named[2], named[3]] : (() => {
      const bare = FRAME_BARE.exec(line);
      return ['<module>', bare?.[1], bare?.[2]];
    })();
    const path = (file ?? '<anonymous>').replace(/^file:\/\//, '');
    frames.push(`  File "${path}", line ${lineNo ?? 0}, in ${fn ?? '<anonymous>'}`);
  }
  return frames.reverse();
}

/** What Python's traceback prints as the last line: `module.Type: message` (`Type` alone for builtins). */
function exceptionLine(info: ExceptionInfo): string {
  const mod = info.exc_module;
  const name = mod && mod !== 'builtins' && mod !== '__main__' ? `${mod}.${info.exc_type}` : info.exc_type;
  const args = info.exc_message;
  const text =
    args.length === 0 ? '' : args.length === 1 ? (typeof args[0] === 'string' ? args[0] : pythonRepr(args[0])) : pythonRepr(args);
  return text === '' ? name : `${name}: ${text}`;
}

/**
 * A Python-looking traceback for a JS error, for Python clients and tools that print or parse
 * `traceback` (frames in Python order, most recent call last; causes chained with Python's
 * "direct cause" line):
 * ```
 * Traceback (most recent call last):
 *   File "/app/tasks.js", line 12, in add
 * ValueError: bad
 * ```
 * @example
 * const traceback = formatTraceback(err);
 */
export function formatTraceback(err: unknown): string {
  const chain: unknown[] = [err];
  for (let cause = err instanceof Error ? err.cause : undefined; cause instanceof Error && chain.length < 8; cause = cause.cause) {
    if (chain.includes(cause)) break;
    chain.unshift(cause);
  }
  return chain
    .map((e) => {
      const stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : '';
      return ['Traceback (most recent call last):', ...pythonFrames(stack), exceptionLine(errorToExceptionInfo(e))].join('\n') + '\n';
    })
    .join('\nThe above exception was the direct cause of the following exception:\n\n');
}
