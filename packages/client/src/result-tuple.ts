/**
 * Celery's result tuples (`[[id, parent], null]` for a task, `[[id, parent], [members…]]` for a
 * group), as stored in a record's `children` and a saved group, turned back into result handles
 * (Celery's `result_from_tuple`).
 */
import type { ResultBackend } from '@celerity/core';
import { DecodeError } from '@celerity/core';
import { AsyncResult } from './async-result.js';
import type { Control } from './control.js';
import { GroupResult } from './group-result.js';

function fromTuple(tuple: unknown, backend: ResultBackend, control: Control | null, owner: string): AsyncResult | GroupResult {
  const [head, nodes] = Array.isArray(tuple) ? (tuple as unknown[]) : [];
  const [id, parentTuple] = Array.isArray(head) ? (head as unknown[]) : [head, null];
  if (typeof id !== 'string') throw new DecodeError(`The stored result of ${owner} has a child that is not a result tuple [[id, parent], nodes]`);
  const parent = parentTuple === null || parentTuple === undefined ? null : fromTuple(parentTuple, backend, control, owner);
  if (nodes === null || nodes === undefined) return new AsyncResult(id, backend, control, { parent });
  if (!Array.isArray(nodes)) throw new DecodeError(`The stored result of ${owner} has a group child whose members are not a list`);
  // A GroupResult's members are task results: a group nested in a group is read by its id.
  const members = nodes.map((node) => {
    const member = fromTuple(node, backend, control, owner);
    return member instanceof GroupResult ? new AsyncResult(member.id, backend, control) : member;
  });
  return new GroupResult(id, members, backend, control, parent);
}

/** @param owner the task (or group) the tuples were stored with, for error messages. */
export function resultsFromTuples(tuples: readonly unknown[], backend: ResultBackend, control: Control | null, owner: string): Array<AsyncResult | GroupResult> {
  return tuples.map((tuple) => fromTuple(tuple, backend, control, owner));
}
