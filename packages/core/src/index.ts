/**
 * @celerity/core — Celery's protocol v2 in TypeScript: message codec, task definitions, canvas
 * signatures, the Broker / ResultBackend / Serializer contracts, typed errors and the in-memory
 * transport. No runtime dependencies.
 */
export {
  CelerityError,
  TimeoutError,
  TaskError,
  DecodeError,
  EncodeError,
  ContentDisallowedError,
  NotRegisteredError,
  ConnectionError,
  ClosedError,
  ConfigurationError,
  UnknownSchemeError,
  InvalidTaskError,
  UnrecoverableError,
} from './errors.js';
export type { CelerityErrorOptions, RemoteException } from './errors.js';
// What a task catches (soft limit) or sees as its signal's reason (hard limit in the async pool).
export { SoftTimeLimitExceeded, TimeLimitExceeded } from './execution/exceptions.js';

export { systemClock } from './clock.js';
export type { Clock } from './clock.js';

export { parseRateLimit } from './rate-limit.js';
export type { RateLimit, RateLimitScope } from './rate-limit.js';
export { createMemoryRateLimiter } from './rate-limiter.js';
export type { MemoryRateLimiterOptions, RateLimitGrant, RateLimitRequest, SharedRateLimiter } from './rate-limiter.js';

export { silentLogger, createConsoleLogger } from './logger.js';
export type { Logger, LogLevel, LogFields, ConsoleLoggerOptions } from './logger.js';
export { createJsonLogger } from './json-logger.js';
export type { JsonLoggerOptions } from './json-logger.js';
export { asLogger } from './pino-logger.js';

export type {
  Broker,
  BrokerCapabilities,
  BrokerCommonOptions,
  BroadcastMessage,
  ConsumeOptions,
  Consumer,
  Delivery,
  Envelope,
  EnvelopeProperties,
  MalformedDelivery,
  PublishOptions,
  PublishTarget,
  QueueDeclaration,
  Subscription,
  SubscribeOptions,
} from './broker.js';

export { DELIVERIES_HEADER, LAST_ERROR_HEADER } from './dead-letters.js';

export { DEFAULT_REVOKE_EXPIRES } from './control/revocations.js';
export { TaskRevokedError } from './execution/exceptions.js';
export type { Revocation, RevocationStore, RevokeArguments } from './control/revocations.js';
export type { ControlReply, ControlReplyTo, ControlRequest } from './control/messages.js';
export type { ControlResult, QueryTaskReply, ScheduledTaskInfo, TaskRequestInfo, WorkerStatsReply } from './control/replies.js';
export type { DeadLetter, DeadLetterInfo, DeadLetterQueue, DeadLetterReason, DeadLetterReplayOptions, DeadLetterSelection } from './dead-letters.js';

export { TaskState, READY_STATES, PROPAGATE_STATES, replacesStoredState } from './backend.js';
export type {
  ChordPart,
  ChordProgress,
  ExceptionInfo,
  ResultBackend,
  ResultBackendCapabilities,
  ResultRequest,
  ResultMeta,
  TaskStateName,
  WaitOptions,
} from './backend.js';

export { createSerializerRegistry } from './serializer.js';
export type { Serializer, SerializerRegistry, SerializerRegistryOptions } from './serializer.js';
export { createJsonSerializer } from './serializers/json.js';
export type { JsonSerializerOptions } from './serializers/json.js';
export { jsonSerializer, parseCeleryJson, stringifyCeleryJson } from './serializers/json.js';
export type { ParseCeleryJsonOptions } from './serializers/json.js';
export type { JsonEncodeMode, JsonSeparators } from './serializers/json-encode.js';
export type { UnknownTypePolicy } from './serializers/json-tags.js';

export { createBrokerFromUrl, createBackendFromUrl } from './registry.js';
export type { ResolveUrlOptions } from './registry.js';
export type { Adapter, AdapterContext, BrokerAdapter, BackendAdapter } from './adapter.js';

export type { Embed, TaskMessage, TaskMessageInit } from './message.js';
export { encodeTaskMessage, decodeTaskMessage } from './protocol/index.js';
export type { EncodeTaskOptions, DecodeTaskOptions } from './protocol/index.js';

export { signature, immutable, chain, group, chord } from './signature.js';
export { clone } from './signature-clone.js';
export type { CloneArgs, Cloned } from './signature-clone.js';
export type { GroupSignature, ImmutableSignature, Signature, SignatureData, SignatureOptions } from './signature.js';
export type {
  AcceptsParent,
  BoundArgs,
  CanStart,
  ChainCheck,
  ChainStepMismatch,
  ChordBodyMismatch,
  GroupArgs,
  GroupResults,
  ParentType,
  SignatureArgs,
  SignatureBuilder,
  SignatureResult,
  TrailingArgs,
} from './signature-types.js';

export { defineTask, collectTasks, RetryRequest } from './task.js';
export type {
  AsyncResult,
  RetryOptions,
  StripContext,
  TaskArgs,
  TaskCollection,
  TaskContext,
  TaskDefinition,
  TaskFunction,
  TaskOptions,
  TaskResult,
} from './task.js';

export { createMemoryBroker, createMemoryBackend } from './memory/index.js';
export type { MemoryBrokerOptions, MemoryBackendOptions } from './memory/index.js';

// Canvas application as the client and the worker share it. Sibling-only, but the worker still
// imports it from here; it belongs in ./internal once that import moves.
export { applySignature } from './canvas/apply.js';
export type { ApplySignatureOptions, CanvasSink } from './canvas/apply.js';
export type { AppliedSignature } from './canvas/freeze.js';
export type { ResolvedSend, SendOptions } from './canvas/send-options.js';
export { toSignatureOptions } from './canvas/signature-options.js';
// Celery's built-in canvas operations (`add.map(…)`, `add.starmap(…)`, `add.chunks(…, n)`).
export { map, starmap, chunks, chunksGroup } from './canvas/builtins/index.js';
export type { ChunksSignature, MapSignature, SingleArgument, TaskRef } from './canvas/builtins/index.js';

// App-level configuration (Celery's settings), task routes and hooks (Celery's signals).
export { defineConfig, loadConfig, configEnvName } from './config/config.js';
export type { BeatScheduleEntryConfig, CelerityConfig, LoadConfigOptions } from './config/config.js';
export { createTaskRouter } from './config/routes.js';
export type { Route, RouteMap, RouterFunction, TaskRouter, TaskRoutes } from './config/routes.js';
export { emitHook, hasHook, emitPublishHooks } from './config/hooks.js';
export type {
  HookEvent,
  Hooks,
  PublishedMessage,
  PublishSender,
  TaskFailureEvent,
  TaskPostrunEvent,
  TaskPublishEvent,
  TaskRetryEvent,
  TaskRevokedEvent,
  TaskRunEvent,
  TaskSuccessEvent,
  WorkerEvent,
  WorkerShuttingDownEvent,
} from './config/hooks.js';
