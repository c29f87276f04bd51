/**
 * `ctx.replace(signature)`, Celery's `Task.replace`: the running task hands its place in the
 * workflow to another signature. The replacement takes the task's id for its result (a chain's
 * last task, a group's accumulating chord body), its chord membership (`chord`, `group_id`,
 * `group_index`), its root, its callbacks and errbacks and the rest of its chain; the task itself
 * stores nothing and sets nothing off. Pure: the worker (and eager mode) apply what this returns.
 */
import { CelerityError, ConfigurationError } from '../../errors.js';
import type { SignatureData } from '../../signature.js';
import { signature, signatureTasks } from '../../signature.js';
import type { FinishedTask } from '../followups.js';

/** The task being replaced: what decides what follows it, and how many replacements led to it. */
export interface ReplacedTask extends FinishedTask {
  /** Its `replaced_task_nesting` header. @default 0 */
  replacedTaskNesting?: number | undefined;
}
import { asList, chordParts } from '../freeze.js';

/** Thrown by `ctx.replace()`; the worker applies {@link replacementSignature} and stores nothing for the task. */
export class ReplaceRequest extends CelerityError {
  readonly signature: SignatureData;
  constructor(sig: SignatureData) {
    super('REPLACE', `Replaced by ${sig.task}`);
    this.signature = sig;
  }
}

/**
 * Refuses what Celery refuses (`ImproperlyConfigured` there): a replacement already part of a
 * chord, an empty chain, and anything that is not a signature.
 */
export function checkReplacement(sig: unknown): SignatureData {
  if (typeof sig !== 'object' || sig === null || typeof (sig as SignatureData).task !== 'string') {
    throw new ConfigurationError(`replace() needs a signature, got ${sig === null ? 'null' : typeof sig}`);
  }
  const s = sig as SignatureData;
  if (s.options?.['chord'] !== undefined && s.options['chord'] !== null) throw new ConfigurationError('A signature replacing a task must not be part of a chord');
  if (s.subtask_type === 'chain' && signatureTasks(s).length === 0) throw new ConfigurationError('Cannot replace with an empty chain');
  return s;
}

/** Celery's `celery.accumulate` body a group replacement is uplifted to: its result is the list of the group's results. */
export function accumulateSignature(): SignatureData {
  return signature('celery.accumulate', [], { index: 0 });
}

/** Sets options on the task whose result is the signature's: itself, a chain's last step, a chord's body. */
function atResultTask(sig: SignatureData, options: Record<string, unknown>): SignatureData {
  switch (sig.subtask_type) {
    case 'chain': {
      const tasks = signatureTasks(sig);
      const last = tasks[tasks.length - 1]!;
      return { ...sig, kwargs: { ...sig.kwargs, tasks: [...tasks.slice(0, -1), atResultTask(last, options)] } };
    }
    case 'chord': {
      const { header, body } = chordParts(sig);
      return { ...sig, kwargs: { ...sig.kwargs, header, body: atResultTask(body, options) } };
    }
    default:
      return { ...sig, options: { ...sig.options, ...options } };
  }
}

/**
 * The signature to apply in place of `task`, as Celery 5.2–5.6 build it in `Task.replace`: a group
 * becomes `chord(group, celery.accumulate.s(index=0))`; the task's callbacks and errbacks are
 * linked onto it (a chain's links land on its last step, a chord's on its body); its result task
 * gets the task's id, `chord`, `group_id` and `group_index`, so a chord member replaced is counted
 * once, when the replacement's result is in; the rest of the task's chain runs after it.
 * @example
 * const sig = replacementSignature(message, chain(add.s(1, 1), mul.s(2)));
 * await applySignature(sig, sink); // mul's result is stored under message.id
 */
export function replacementSignature(task: ReplacedTask, replacement: SignatureData): SignatureData {
  const checked = checkReplacement(replacement);
  const embed = task.embed ?? {};
  let sig: SignatureData =
    checked.subtask_type === 'group'
      ? { task: 'celery.chord', args: [], kwargs: { kwargs: {}, header: checked, body: accumulateSignature() }, options: {}, subtask_type: 'chord', immutable: false }
      : { ...checked, options: { ...checked.options } };
  const options = sig.options;
  const callbacks = embed.callbacks ?? [];
  const errbacks = embed.errbacks ?? [];
  if (callbacks.length > 0) options['link'] = [...asList(options['link']), ...callbacks];
  if (errbacks.length > 0) options['link_error'] = [...asList(options['link_error']), ...errbacks];
  options['root_id'] = task.rootId ?? task.id;
  // Celery sends the replacement from inside the task: the task is its parent.
  options['parent_id'] = task.id;
  // Celery (≥ 5.3) counts replacements in the `replaced_task_nesting` header: on the replacement, a
  // chain's steps and the rest of the caller's chain.
  const nesting = (task.replacedTaskNesting ?? 0) + 1;
  const nested = (s: SignatureData): SignatureData => ({ ...s, options: { ...s.options, replaced_task_nesting: nesting } });
  options['replaced_task_nesting'] = nesting;
  if (sig.subtask_type === 'chain') sig = { ...sig, kwargs: { ...sig.kwargs, tasks: signatureTasks(sig).map(nested) } };
  if (embed.chain && embed.chain.length > 0) options['chain'] = [...asList(options['chain']), ...embed.chain.map(nested)];
  const own: Record<string, unknown> = { task_id: task.id };
  if (embed.chord) own['chord'] = embed.chord;
  if (task.group) own['group_id'] = task.group;
  if (task.groupIndex !== undefined && task.groupIndex !== null) own['group_index'] = task.groupIndex;
  sig = atResultTask({ ...sig, options }, own);
  return sig;
}
