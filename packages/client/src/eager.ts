/**
 * Eager mode: instead of publishing, run each message in-process (core's `runTaskEagerly`) and then
 * do what a worker does after a task — callbacks, the next chain step, chord completion, errbacks —
 * through the same core follow-up rules, so whole workflows run in tests without a broker.
 */
import type { Logger, ResultBackend, ResultMeta, SignatureData, TaskDefinition, TaskMessageInit } from '@celerity/core';
import { NotRegisteredError } from '@celerity/core';
import { buildResultMeta, createBuiltinTasks, errbackFollowups, recordChordPart, remainingChainIds, replacementSignature, runTaskEagerly, successFollowups, unreachedChordParts } from '@celerity/core/internal';

/** What eager execution needs from the client. */
export interface EagerHost {
  readonly backend: ResultBackend;
  readonly logger: Logger;
  /** Task definitions by name. */
  readonly definitions: ReadonlyMap<string, TaskDefinition>;
  /** Applies a follow-up signature through the client (planned like any other, then run eagerly). */
  apply(sig: SignatureData): Promise<void>;
}

/** Celery's built-in tasks (celery.map, celery.accumulate…) over each host's definitions, made once per host. */
const builtins = new WeakMap<EagerHost, Map<string, TaskDefinition>>();

function definitionOf(host: EagerHost, name: string): TaskDefinition | undefined {
  const own = host.definitions.get(name);
  if (own) return own;
  let found = builtins.get(host);
  if (!found) builtins.set(host, (found = new Map(createBuiltinTasks((task) => host.definitions.get(task)).map((t) => [t.name, t]))));
  return found.get(name);
}

/** Throws NotRegisteredError for a task eager mode cannot run. */
export function eagerDefinition(host: EagerHost, task: string): TaskDefinition {
  const definition = definitionOf(host, task);
  if (!definition) throw new NotRegisteredError(task);
  return definition;
}

/** Runs one message in-process, stores its result and applies its follow-ups. */
export async function runEagerMessage(init: TaskMessageInit, host: EagerHost): Promise<ResultMeta> {
  const definition = definitionOf(host, init.task);
  let replaced = false;
  // ctx.replace(): the replacement runs eagerly in the task's place, storing its result under the
  // task's id and carrying the task's follow-ups, which are then not this run's to send.
  const replace = async (sig: SignatureData): Promise<ResultMeta> => {
    replaced = true;
    await host.apply(replacementSignature(init, sig));
    return (await host.backend.get(init.id)) ?? buildResultMeta({ taskId: init.id, status: 'PENDING', result: null });
  };
  const meta = definition
    ? await runTaskEagerly(definition, init, { backend: host.backend, logger: host.logger, replace })
    : await storeNotRegistered(host, init);
  if (replaced) return meta;
  if (meta.status === 'SUCCESS') {
    for (const sig of successFollowups(init, meta.result)) await host.apply(sig);
  } else {
    for (const id of remainingChainIds(init)) await host.backend.store({ ...meta, task_id: id, parent_id: init.id });
  }
  // A failed task also reports for the chord parts later in its chain, which will never run.
  const parts = meta.status === 'SUCCESS' ? [init] : [init, ...unreachedChordParts(init)];
  for (const part of parts) {
    const chord = await recordChordPart(host.backend, part, meta.status, meta.result);
    if (chord?.kind === 'ready') await host.apply(chord.body);
    else if (chord?.kind === 'failed') {
      for (const failure of chord.failures) await host.backend.store(failure);
      for (const sig of chord.errbacks) await host.apply(sig);
    }
  }
  if (meta.status !== 'SUCCESS') for (const sig of errbackFollowups(init)) await host.apply(sig);
  return meta;
}

async function storeNotRegistered(host: EagerHost, init: TaskMessageInit): Promise<ResultMeta> {
  const exc = { exc_type: 'NotRegistered', exc_message: [init.task], exc_module: 'celery.exceptions' };
  const meta = buildResultMeta({ taskId: init.id, status: 'FAILURE', result: exc, groupId: init.group ?? null });
  await host.backend.store(meta);
  return meta;
}
