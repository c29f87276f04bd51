/** The fields an action asks for in its confirmation dialog, and how their text becomes the body. */

/** A field the user fills in before confirming; its value goes into the body under `key`. */
export interface ActionInput {
  key: string;
  label: string;
  initial: string;
  /** `number`: a positive whole number, sent as a number. */
  kind: 'text' | 'number';
  required: boolean;
}

/** Parses the inputs into body fields; a message for the first bad one. */
export function readInputs(inputs: readonly ActionInput[], values: Record<string, string>): Record<string, unknown> | string {
  const body: Record<string, unknown> = {};
  for (const input of inputs) {
    const raw = (values[input.key] ?? '').trim();
    if (raw === '') {
      if (input.required) return `${input.label} is required`;
      continue;
    }
    if (input.kind === 'number') {
      if (!/^[1-9][0-9]*$/.test(raw)) return `${input.label} must be a positive whole number`;
      body[input.key] = Number(raw);
    } else body[input.key] = raw;
  }
  return body;
}
