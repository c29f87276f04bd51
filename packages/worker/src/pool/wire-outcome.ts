/**
 * A run's outcome on its way from a pool child to the worker: the child encodes the value with the
 * run's serializer and flattens dates, the worker decodes it back into the tracer's outcome.
 */
import { CeleryException } from '@celerity/core/internal';
import type { TraceOutcome } from '@celerity/core/internal';
import type { WireOutcome } from './protocol.js';

/** A failure outcome for an exception the pool itself raises (time limit, lost child, terminate…). */
export function failureOf(excType: string, excModule: string, args: unknown[], runtime: number, traceback: string | null = null): TraceOutcome {
  const error = new CeleryException(excType, excModule, args);
  return { kind: 'failure', exception: { exc_type: excType, exc_message: args, exc_module: excModule }, traceback, error, runtime };
}

/** Child side: the tracer's outcome as it crosses; a value the serializer refuses is an `EncodeError` failure. */
export function toWire(outcome: TraceOutcome, encode: (value: unknown) => Uint8Array): WireOutcome {
  if (outcome.kind === 'success') {
    try {
      return { kind: 'success', value: encode(outcome.value), runtime: outcome.runtime };
    } catch (error) {
      const err = error as Error;
      return { kind: 'failure', exception: { exc_type: 'EncodeError', exc_message: [err.message], exc_module: 'kombu.exceptions' }, traceback: null, message: err.message, runtime: outcome.runtime };
    }
  }
  if (outcome.kind === 'replace') return outcome;
  if (outcome.kind === 'retry') return { kind: 'retry', eta: outcome.eta.getTime(), countdown: outcome.countdown, exception: outcome.exception, traceback: outcome.traceback, runtime: outcome.runtime };
  const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  return { kind: 'failure', exception: outcome.exception, traceback: outcome.traceback, message, runtime: outcome.runtime };
}

/** Worker side: the outcome back, the value decoded (`decode` may throw: the caller turns that into a failure). */
export function fromWire(wire: WireOutcome, decode: (bytes: Uint8Array) => unknown): TraceOutcome {
  if (wire.kind === 'success') return { kind: 'success', value: decode(wire.value), runtime: wire.runtime };
  if (wire.kind === 'replace') return wire;
  if (wire.kind === 'retry') return { kind: 'retry', eta: new Date(wire.eta), countdown: wire.countdown, exception: wire.exception, traceback: wire.traceback, runtime: wire.runtime };
  const error = new CeleryException(wire.exception.exc_type, wire.exception.exc_module ?? 'builtins', wire.exception.exc_message);
  error.message = wire.message;
  return { kind: 'failure', exception: wire.exception, traceback: wire.traceback, error, runtime: wire.runtime };
}
