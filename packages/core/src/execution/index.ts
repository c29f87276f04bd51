/** Task execution shared by the worker and eager mode. */
export { effectiveTimeLimits, traceTask } from './trace.js';
export type { RunAbort, TraceEnvironment, TraceOutcome, TraceRequest } from './trace.js';
export { buildResultMeta } from './meta.js';
export type { ResultMetaFields } from './meta.js';
export { runTaskEagerly } from './eager.js';
export type { EagerOptions } from './eager.js';
export { CeleryException, SoftTimeLimitExceeded, TaskRevokedError, TimeLimitExceeded, exceptionInfoOf } from './exceptions.js';
