/**
 * The remote control commands this worker answers, by Celery's names. Adding one is one function
 * here: it gets the request's arguments and the worker's side of things, and returns the reply
 * Celery's worker would (`{ok: …}` or `{error: …}`).
 */
import { readRevokeArguments } from '@celerity/core/internal';
import type { Revocation } from '../revocation.js';
import type { WorkerEvents } from '../events/worker-events.js';

/** What commands can reach in the worker. */
export interface ControlHost {
  hostname: string;
  revocation: Revocation;
  events: WorkerEvents;
}

/** One command: its reply, or a promise of it. */
export type ControlCommand = (args: Record<string, unknown>, host: ControlHost) => unknown;

/** Celery's `ping`: `{ok: 'pong'}`. */
const ping: ControlCommand = () => ({ ok: 'pong' });

/** Celery's `revoke(task_id, terminate=False, signal=None)`: one id or a list. */
const revoke: ControlCommand = (args, host) => host.revocation.revoke(readRevokeArguments(args));

/** Celery's `enable_events`: task events on (worker events start with them). */
const enable_events: ControlCommand = (_args, host) => ({ ok: host.events.enable() ? 'task events enabled' : 'task events already enabled' });

/** Celery's `disable_events`: task events off (heartbeats go on). */
const disable_events: ControlCommand = (_args, host) => ({ ok: host.events.disable() ? 'task events disabled' : 'task events already disabled' });

/** The built-in commands, by name. */
export const controlCommands: Readonly<Record<string, ControlCommand>> = { ping, revoke, enable_events, disable_events };
