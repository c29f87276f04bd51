/**
 * JSON text for the events every task sends, written without `JSON.stringify` where it can be:
 * quoting a plain string by hand is several times cheaper than stringifying it, and a busy worker
 * quotes a dozen strings per task (the bench's events row).
 */

// Characters JSON.stringify would escape or rewrite: quote, backslash, controls, and surrogates
// (a lone one is written as \uXXXX; a pair passes, but is rare enough to leave to JSON.stringify).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON: exactly what `JSON.stringify` writes. */
export function jsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/**
 * {@link jsonString} without its quotes, for a template that writes them next to a field name
 * (`"uuid":"${jsonInner(id)}"`): the string itself when it needs no escape, which leaves the
 * event's text two pieces shorter to join and flatten per string field.
 */
export function jsonInner(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value).slice(1, -1) : value;
}

/** {@link jsonString}, or `null`. */
export function jsonStringOrNull(value: string | null): string {
  return value === null ? 'null' : jsonString(value);
}
