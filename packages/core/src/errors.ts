/**
 * Every error Celerity throws is a {@link CelerityError}: a stable `code` to switch on, whether a
 * retry may help (`retryable`), and the underlying `cause` when a driver error was mapped.
 */

/** Options shared by every Celerity error constructor. */
export interface CelerityErrorOptions {
  /** The error this one wraps (a driver error, a parse error). */
  cause?: unknown;
  /** Whether trying the same operation again may succeed. @default false */
  retryable?: boolean;
}

/** Base class of all Celerity errors. */
export class CelerityError extends Error {
  /** Stable machine-readable code, e.g. `'DECODE_ERROR'`. */
  readonly code: string;
  /** Whether trying again may succeed (connection errors are retryable, decode errors are not). */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: CelerityErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Waiting for something (a result, a connection, a publish confirm) took longer than allowed. */
export class TimeoutError extends CelerityError {
  constructor(message: string, options: CelerityErrorOptions = {}) {
    super('TIMEOUT', message, { retryable: true, ...options });
  }
}

/** What a remote task failure looks like on the wire (Celery's exception dict). */
export interface RemoteException {
  /** Exception class name, e.g. `ValueError`. */
  excType: string;
  /** Exception module, e.g. `builtins`, `celery.exceptions`. */
  excModule: string | null;
  /** Exception arguments (`exc.args`). */
  excMessage: unknown[];
}

/** A task ran and failed (state FAILURE or REVOKED); carries the remote exception and traceback. */
export class TaskError extends CelerityError {
  readonly taskId: string;
  /** Final task state: `FAILURE` or `REVOKED`. */
  readonly state: string;
  readonly excType: string;
  readonly excModule: string | null;
  readonly excMessage: unknown[];
  readonly traceback: string | null;

  constructor(
    taskId: string,
    state: string,
    exc: RemoteException,
    traceback: string | null,
    options: CelerityErrorOptions = {},
  ) {
    const text = exc.excMessage.length === 1 ? String(exc.excMessage[0]) : exc.excMessage.map(String).join(', ');
    super('TASK_FAILED', `${exc.excType}: ${text} (task ${taskId}, ${state})`, options);
    this.taskId = taskId;
    this.state = state;
    this.excType = exc.excType;
    this.excModule = exc.excModule;
    this.excMessage = exc.excMessage;
    this.traceback = traceback;
  }
}

/** Bytes could not be decoded into a message, envelope or value. */
export class DecodeError extends CelerityError {
  constructor(message: string, options: CelerityErrorOptions = {}) {
    super('DECODE_ERROR', message, options);
  }
}

/** A value could not be encoded by the chosen serializer (e.g. bytes in legacy JSON). */
export class EncodeError extends CelerityError {
  constructor(message: string, options: CelerityErrorOptions = {}) {
    super('ENCODE_ERROR', message, options);
  }
}

/** A message's content type is unknown or not in the accept list. */
export class ContentDisallowedError extends CelerityError {
  readonly contentType: string;
  constructor(contentType: string, accepted: readonly string[]) {
    super(
      'CONTENT_DISALLOWED',
      `Refusing to deserialize content of type ${JSON.stringify(contentType)}; accepted: ${accepted.join(', ') || '(none)'}`,
    );
    this.contentType = contentType;
  }
}

/** A message named a task this worker does not know. */
export class NotRegisteredError extends CelerityError {
  readonly taskName: string;
  constructor(taskName: string) {
    super('NOT_REGISTERED', `Task of type ${JSON.stringify(taskName)} is not registered`);
    this.taskName = taskName;
  }
}

/** A connection to a broker or backend failed or was lost; retrying after a backoff may succeed. */
export class ConnectionError extends CelerityError {
  constructor(message: string, options: CelerityErrorOptions = {}) {
    super('CONNECTION_ERROR', message, { retryable: true, ...options });
  }
}

/** An operation was used after `close()`. */
export class ClosedError extends CelerityError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}

/** Invalid configuration or arguments (a bad URL, an unknown option value). */
export class ConfigurationError extends CelerityError {
  constructor(message: string, options: CelerityErrorOptions = {}) {
    super('CONFIGURATION_ERROR', message, options);
  }
}

/** No adapter given for a URL scheme; the message names the import to add, or the scheme meant when it looks mistyped. */
export class UnknownSchemeError extends ConfigurationError {
  readonly scheme: string;
  constructor(scheme: string, message: string) {
    super(message);
    this.scheme = scheme;
  }
}

/** A malformed task message (valid bytes, wrong shape: a 2-element body, a header of the wrong type). */
export class InvalidTaskError extends DecodeError {
  constructor(message: string, options: CelerityErrorOptions = {}) {
    super(message, options);
  }
}

/**
 * Raised by a task to fail without any retry (like BullMQ's `UnrecoverableError`): the worker stores
 * FAILURE even when the task has retries left.
 */
export class UnrecoverableError extends CelerityError {
  constructor(message: string, options: CelerityErrorOptions = {}) {
    super('UNRECOVERABLE', message, options);
  }
}
