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

export { resolveSend } from './canvas/send-options.js';
export type { MessageExtras, ResolveContext } from './canvas/send-options.js';
export { fromSignatureOptions } from './canvas/signature-options.js';
export { chainSteps, freeze, resultIds, withParentResult } from './canvas/freeze.js';
export type { CanvasContext } from './canvas/freeze.js';
export { planSignature } from './canvas/plan.js';
export type { CanvasJob, CanvasPlan } from './canvas/plan.js';
export { resolveJob } from './canvas/apply.js';
export { errbackFollowups, recordChordPart, remainingChainIds, successFollowups, workflowIds } from './canvas/followups.js';
export type { ChordPartOutcome, FinishedTask } from './canvas/followups.js';

export { pythonJsonNumber, pythonJsonScalar, pythonJsonString, stringifyPythonJson } from './serializers/json-encode.js';
export { redactUrl } from './redact-url.js';
