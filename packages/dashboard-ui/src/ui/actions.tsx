/**
 * Actions behind a confirmation: a button opens a dialog that says what will happen (and asks for
 * what the action needs, e.g. a rate or a count); only "Confirm" sends `POST api/actions/<name>`
 * with the CSRF token. The outcome is shown in a status line; a refused action keeps the dialog
 * open with the server's error.
 */
import { createContext } from 'preact';
import type { ComponentChildren } from 'preact';
import { useContext, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { postAction } from './api.js';
import type { ActionName } from './api.js';
import { readInputs } from './action-inputs.js';
import type { ActionInput } from './action-inputs.js';
import { outcomeOf } from './action-outcome.js';
import type { Outcome } from './action-outcome.js';
import type { Session } from './contract.js';
import { taskHref } from './router.js';

export interface ActionRequest {
  action: ActionName;
  title: string;
  description: string;
  body: Record<string, unknown>;
  inputs?: ActionInput[];
  confirmLabel: string;
}


interface ActionsApi { readOnly: boolean; ask(request: ActionRequest): void }

const ActionsContext = createContext<ActionsApi>({ readOnly: true, ask: () => undefined });

function ActionDialog({ request, session, onDone }: { request: ActionRequest; session: Session; onDone: (outcome: Outcome | null) => void }) {
  const inputs = request.inputs ?? [];
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(inputs.map((input) => [input.key, input.initial])));
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  // Focus goes to the first field, else to Cancel (never to the confirm button: Enter must not run
  // an action nobody read). Escape, pressed anywhere in the dialog, cancels.
  useLayoutEffect(() => {
    form.current?.querySelector<HTMLElement>('input, button[type=button]')?.focus();
  }, []);

  const confirm = async (event: Event) => {
    event.preventDefault();
    const extra = readInputs(inputs, values);
    if (typeof extra === 'string') return setError(extra);
    setSending(true);
    setError(null);
    try {
      const answer = await postAction(request.action, { ...request.body, ...extra }, session.csrfToken);
      onDone(outcomeOf(request.action, request.title, answer.detail));
    } catch (failure) {
      setError((failure as Error).message);
      setSending(false);
    }
  };

  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" data-action={request.action} onKeyDown={(event) => event.key === 'Escape' && !sending && onDone(null)}>
      <form ref={form} onSubmit={confirm}>
        <h2 id="dialog-title">{request.title}</h2>
        <p>{request.description}</p>
        {inputs.map((input) => (
          <label key={input.key}>
            {input.label}
            <input
              name={input.key}
              value={values[input.key] ?? ''}
              inputMode={input.kind === 'number' ? 'numeric' : 'text'}
              onInput={(event) => setValues({ ...values, [input.key]: (event.target as HTMLInputElement).value })}
            />
          </label>
        ))}
        {error !== null && <p class="dialog-error" role="alert">{error}</p>}
        <div class="dialog-buttons">
          <button type="button" onClick={() => onDone(null)} disabled={sending}>
            Cancel
          </button>
          <button type="submit" class="danger" data-confirm disabled={sending}>
            {request.confirmLabel}
          </button>
        </div>
      </form>
      </div>
    </div>
  );
}

/** Holds the open dialog and the last outcome for everything below it. */
export function ActionsProvider({ session, children }: { session: Session | null; children: ComponentChildren }) {
  const [request, setRequest] = useState<ActionRequest | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const readOnly = session === null || session.readOnly;
  const ask = (next: ActionRequest) => {
    if (readOnly) return;
    // the last outcome is about another action: it goes when the next one is asked
    setOutcome(null);
    setRequest(next);
  };
  const api: ActionsApi = { readOnly, ask };
  return (
    <ActionsContext.Provider value={api}>
      {children}
      {outcome !== null && (
        <p class="outcome" role="status">
          {outcome.message} {outcome.taskId !== undefined && <a href={taskHref(outcome.taskId)}>{outcome.taskId}</a>} <button onClick={() => setOutcome(null)}>×</button>
        </p>
      )}
      {request !== null && session !== null && (
        <ActionDialog
          request={request}
          session={session}
          onDone={(done) => {
            setRequest(null);
            if (done !== null) setOutcome(done);
          }}
        />
      )}
    </ActionsContext.Provider>
  );
}

/** A button that asks for confirmation before running `request`; disabled on a read-only dashboard. */
export function ActionButton({ label, request, danger = false }: { label: string; request: ActionRequest; danger?: boolean }) {
  const { readOnly, ask } = useContext(ActionsContext);
  return (
    <button class={danger ? 'action danger' : 'action'} data-action={request.action} disabled={readOnly} title={readOnly ? 'read-only dashboard' : request.description} onClick={() => ask(request)}>
      {label}
    </button>
  );
}
