/**
 * Internals shared by the @celerity/* packages (client, worker, adapters). Not a public API:
 * anything here may change in any release.
 */
export {
  traceTask,
  buildResultMeta,
  runTaskEagerly,
  CeleryException,
  SoftTimeLimitExceeded,
  TimeLimitExceeded,
  exceptionInfoOf,
} from './execution/index.js';
export type { TraceEnvironment, TraceOutcome, TraceRequest, ResultMetaFields, EagerOptions } from './execution/index.js';
