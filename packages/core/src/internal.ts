/**
 * Internals shared by the @celerity/* packages (client, worker, the `celerity` command). Not a
 * public API: anything here may change in any release.
 */
export { effectiveTimeLimits, traceTask, buildResultMeta, runTaskEagerly, exceptionInfoOf, TaskRevokedError } from './execution/index.js';
export type { TraceEnvironment, TraceOutcome, TraceRequest, ResultMetaFields, RunAbort } from './execution/index.js';
export { CeleryException } from './execution/index.js';

export { resolveSend } from './canvas/send-options.js';
export type { ResolveContext } from './canvas/send-options.js';
// The worker's built-in tasks (celery.map / starmap / chunks / accumulate) and ctx.replace().
export { chordUnlockStep, createBuiltinTasks, createChordUnlockTask, parseChordUnlock, replacementSignature, withBuiltinTasks } from './canvas/builtins/index.js';
export type { ChordUnlockOutcome, ChordUnlockRequest, ChordUnlockSettle } from './canvas/builtins/index.js';
export { errbackFollowups, recordChordPart, remainingChainIds, successFollowups, unreachedChordParts, workflowIds } from './canvas/followups.js';
export type { ChordPartOutcome } from './canvas/followups.js';

// One Python-compatible JSON writer and one URL redactor for every adapter.
export { pythonJsonNumber, pythonJsonScalar, pythonJsonString, stringifyJsonText, stringifyPythonJson } from './serializers/json-encode.js';
export { redactUrl } from './redact-url.js';
export { asciiBytes } from './ascii-bytes.js';

// What the `celerity` command needs to find adapter packages and task definitions.
export { urlScheme, suggestScheme, KNOWN_BROKER_PACKAGES, KNOWN_BACKEND_PACKAGES } from './registry.js';
export { isTaskDefinition } from './task.js';

// Celery's date format, for the client's `dateDone()` and tests of the message shape.
export { formatCeleryDate, parseCeleryDate } from './protocol/index.js';

// Python-style reprs and tracebacks for the worker's log lines and retry records.
export { pythonRepr, formatTraceback } from './protocol/index.js';

// Dead-letter headers, read and written the same way by every broker.
export { deadLetterHeaders, entryIdOf, markDeadLetter, readDeadLetter, replayEnvelope } from './dead-letters.js';

// Celery's result_expires as each URL-created backend's `expires` option (client and worker).
export { backendOptionsWithExpires } from './config/result-expires.js';
// The token bucket arithmetic every SharedRateLimiter shares, and the scope check.
export { grantOf, grantable } from './rate-limiter.js';
export { checkRateLimitScope } from './rate-limit.js';
// Celery's remote control (pidbox) messages, read and written the same way by client and worker.
export {
  CONTROL_EXCHANGE,
  CONTROL_REPLY_EXCHANGE,
  controlRequestIsFor,
  decodeControlReply,
  decodeControlRequest,
  encodeControlReply,
  encodeControlRequest,
} from './control/messages.js';
export { consumeControlReplies, publishControlReply } from './control/transport.js';
export { collectControlReplies } from './control/collect.js';
export type { CollectOptions } from './control/collect.js';
export { readRevokeArguments, revokeArguments } from './control/revocations.js';
export { createMessageTracing, loadMessageTracing } from './tracing.js';
export type { MessageTracing, PublishSpan, RunSpan, RunSpanOutcome } from './tracing.js';
// Celery's event messages (celeryev), written by worker and client, read by `celerity events`.
export { EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, decodeEvents, encodeEvents, encodeEventsBytes, encodeEventsJson, eventRoutingKey, utcOffsetHours } from './events/messages.js';
export type { CeleryEvent } from './events/messages.js';
export { READY_TASK_STATES, TASK_EVENT_STATES } from './events/task-event-states.js';
export { isWorkerOnline, mergeWorkerEvent } from './events/worker-record.js';
// The configuration beneath a client's or a worker's options.
export { adapterOptionsFromConfig, optionsOverConfig } from './config/options-beneath.js';
export type { AdapterOptionsFromConfig } from './config/options-beneath.js';
export type { WorkerRecord } from './events/worker-record.js';
// TLS certificate files read at connect time, and the TLS refusals no retry fixes (Redis and AMQP adapters).
export { certReqsVerify, checkTlsFiles, tlsRefusal, withTlsFiles } from './tls-files.js';
export type { TlsFileSettings } from './tls-files.js';
