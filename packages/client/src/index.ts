/**
 * @celerity/client — send Celery tasks from TypeScript and await their results: typed task
 * references, `apply_async` options, canvas (chain, group, chord), and eager mode for tests.
 */
export { createClient } from './client.js';
export { AsyncResult } from './async-result.js';
export type { GetOptions, ResultLinks } from './async-result.js';
export { GroupResult } from './group-result.js';
export type { GroupMemberResults, JoinOptions } from './group-result.js';
export type { Control, ControlCallOptions, ControlReplies, RevokeOptions } from './control.js';
export type { ByWorker, Inspect, InspectOptions } from './inspect.js';
export type { SendOptions } from './send-options.js';
export type { ApplyResult, Client, ClientOptions, NeedsParentResult, SendManyItem, TaskRef } from './types.js';
