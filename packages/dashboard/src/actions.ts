/**
 * The actions of `POST /api/actions/<action>`: remote-control commands and sends through the
 * client, the broker's purge and dead-letter replay. Each checks its body and answers with a
 * detail, or throws an {@link ActionError} (a 400 for a bad body, 404 for an unknown task, 409 when
 * the action cannot be done).
 */
import type { Client } from '@celerity/client';
import type { ActionName } from './contract.js';
import type { SerialControl } from './poller.js';
import { parsePythonLiteral } from './python-literal.js';
import type { DashboardStore } from './store.js';
import { getTask } from './store-queries.js';

export class ActionError extends Error {
  override readonly name = 'ActionError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;

function text(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw new ActionError(`'${field}' must be a non-empty string`, 400);
  return value;
}
function optionalText(body: Body, field: string): string | undefined {
  return body[field] === undefined || body[field] === null ? undefined : text(body, field);
}
function count(body: Body, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ActionError(`'${field}' must be a whole number ≥ 1`, 400);
  return value;
}

export interface ActionContext {
  client: Client;
  store: DashboardStore;
  /** Queues a dlq-replay without a queue goes through. */
  queues: () => Promise<string[]>;
  /** Seconds to collect control replies for. */
  replyTimeout: number;
  /** Runs the calls that collect replies one at a time (shared with the poll). */
  serial: SerialControl;
  /** Asks the workers and queues again now (after an action that changed a pool or a queue), instead of at the next poll. */
  refresh?: () => void;
}

/** The arguments of a task to re-send: the backend's extended meta, else the events' reprs read back. */
async function retryArguments(context: ActionContext, id: string, stored: { args: string | null; kwargs: string | null }): Promise<{ args: unknown[]; kwargs: Record<string, unknown>; queue: string | null }> {
  const meta = context.client.backend ? await context.client.backend.get(id).catch(() => null) : null;
  if (meta && Array.isArray(meta.args)) return { args: meta.args, kwargs: meta.kwargs ?? {}, queue: meta.queue ?? null };
  if (stored.args === null) throw new ActionError(`task ${id}: its arguments are not known (no event carried them)`, 409);
  try {
    const args = parsePythonLiteral(stored.args);
    const kwargs = stored.kwargs === null ? {} : parsePythonLiteral(stored.kwargs);
    if (!Array.isArray(args) || typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) throw new Error('not an argument list and a keyword dict');
    return { args, kwargs: kwargs as Record<string, unknown>, queue: null };
  } catch (error) {
    throw new ActionError(`task ${id}: its arguments cannot be read back from ${stored.args} (${(error as Error).message}); a retry needs the result backend's result_extended`, 409);
  }
}

/** Runs one action; resolves with its detail. */
export async function runAction(action: ActionName, body: Body, context: ActionContext): Promise<unknown> {
  const { client } = context;
  const destination = (worker: string): { destination: string[]; timeout: number } => ({ destination: [worker], timeout: context.replyTimeout });
  switch (action) {
    case 'revoke': {
      const taskId = text(body, 'taskId');
      const terminate = body['terminate'] === true;
      const signal = optionalText(body, 'signal');
      await client.revoke(taskId, signal === undefined ? { terminate } : { terminate, signal });
      return { taskId, terminate };
    }
    case 'retry': {
      const taskId = text(body, 'taskId');
      const task = await getTask(context.store, taskId);
      if (task === null) throw new ActionError(`task ${taskId} is not in the dashboard's history`, 404);
      if (task.name === null) throw new ActionError(`task ${taskId}: its name is not known`, 409);
      const { args, kwargs, queue } = await retryArguments(context, taskId, task);
      const sendQueue = queue ?? task.queue;
      const result = await client.send(task.name, args, sendQueue === null ? { kwargs } : { kwargs, queue: sendQueue });
      return { taskId: result.id, name: task.name, queue: sendQueue };
    }
    case 'purge': {
      const queue = text(body, 'queue');
      const purged = await client.broker.purge(queue);
      context.refresh?.();
      return { queue, purged };
    }
    case 'dlq-replay': {
      const deadLetters = client.broker.deadLetters;
      if (!deadLetters) throw new ActionError(`the ${client.broker.transport} broker keeps no dead-letter queues`, 409);
      const queue = optionalText(body, 'queue');
      const queues = queue === undefined ? await context.queues() : [queue];
      let replayed = 0;
      for (const q of queues) replayed += await deadLetters.replay(q, { all: true });
      context.refresh?.();
      return { queues, replayed };
    }
    case 'rate-limit': {
      const taskName = text(body, 'taskName');
      const rate = text(body, 'rate');
      if (!/^\d+(\.\d+)?(\/[smh])?$/.test(rate)) throw new ActionError(`'rate' must be like '10/s', '100/m' or '5/h', got '${rate}'`, 400);
      const list = body['destination'];
      if (list !== undefined && (!Array.isArray(list) || !list.every((h) => typeof h === 'string'))) throw new ActionError("'destination' must be a list of worker hostnames", 400);
      const options = list === undefined ? { timeout: context.replyTimeout } : { destination: list as string[], timeout: context.replyTimeout };
      return { replies: await context.serial(() => client.control.rateLimit(taskName, rate, options)) };
    }
    case 'shutdown': {
      const worker = text(body, 'worker');
      await client.control.shutdown({ destination: [worker] });
      return { worker };
    }
    case 'pool-grow':
      {
      const n = count(body, 'n');
      const to = destination(text(body, 'worker'));
      const replies = await context.serial(() => client.control.poolGrow(n, to));
      context.refresh?.();
      return { replies };
    }
    case 'pool-shrink':
      {
      const n = count(body, 'n');
      const to = destination(text(body, 'worker'));
      const replies = await context.serial(() => client.control.poolShrink(n, to));
      context.refresh?.();
      return { replies };
    }
  }
}
