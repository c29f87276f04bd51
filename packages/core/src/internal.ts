/**
 * Internals shared by the @celerity/* packages (client, worker, the `celerity` command). Not a
 * public API: anything here may change in any release.
 */
export { traceTask, buildResultMeta, runTaskEagerly } from './execution/index.js';
export type { TraceEnvironment, TraceOutcome, TraceRequest, ResultMetaFields } from './execution/index.js';

export { resolveSend } from './canvas/send-options.js';
export type { ResolveContext } from './canvas/send-options.js';
export { errbackFollowups, recordChordPart, remainingChainIds, successFollowups } from './canvas/followups.js';

// What the `celerity` command needs to find adapter packages and task definitions.
export { urlScheme, suggestScheme, KNOWN_BROKER_PACKAGES, KNOWN_BACKEND_PACKAGES } from './registry.js';
export { isTaskDefinition } from './task.js';

// Celery's date format, for the client's `dateDone()` and tests of the message shape.
export { formatCeleryDate, parseCeleryDate } from './protocol/index.js';
