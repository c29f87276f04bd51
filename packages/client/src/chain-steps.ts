/**
 * The task ids of a chain, in order, read from the messages that start it: the first message's id,
 * then the frozen `task_id` of each signature in its `chain` field (which Celery stores reversed).
 * What `client.apply(chain(…))` links through `AsyncResult.parent`; and a chord's header, the parent
 * of its body's result.
 */
import type { ResolvedSend } from '@celerity/core';

/**
 * The ids of the steps of the chain the single message in `messages` starts; stops at the first step
 * that is not a plain task (a group, a chord) since its result is not one task. Empty when
 * `messages` is not one message (a group, a chord header).
 */
export function chainStepIds(messages: readonly ResolvedSend[]): string[] {
  if (messages.length !== 1) return [];
  const first = messages[0]!.init;
  const ids = [first.id];
  const rest = first.embed?.chain ?? [];
  for (let i = rest.length - 1; i >= 0; i--) {
    const step = rest[i]!;
    const id: unknown = step.subtask_type === null ? step.options['task_id'] : undefined;
    if (typeof id !== 'string') break;
    ids.push(id);
  }
  return ids;
}

/**
 * The header of the chord whose body is `resultId`, when `messages` are that header: messages that
 * all carry one group id and, as their chord body, the task `resultId`. Undefined otherwise (a
 * chain that continues after the chord's body, say).
 */
export function chordHeader(resultId: string, messages: readonly ResolvedSend[]): { groupId: string; ids: string[] } | undefined {
  const groupId = messages[0]?.init.group;
  if (typeof groupId !== 'string' || groupId.length === 0) return undefined;
  const bodyIs = (m: ResolvedSend): boolean => {
    const body = m.init.embed?.chord;
    return body !== null && body !== undefined && body.options['task_id'] === resultId;
  };
  if (!messages.every((m) => m.init.group === groupId && bodyIs(m))) return undefined;
  return { groupId, ids: messages.map((m) => m.init.id) };
}
