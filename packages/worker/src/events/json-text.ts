/**
 * JSON text for the events every task sends, written without `JSON.stringify` where it can be:
 * quoting a plain string by hand is several times cheaper than stringifying it, and a busy worker
 * quotes a dozen strings per task (the bench's events row). Strings are written as Python's
 * `json.dumps` writes them (`ensure_ascii`, as Celery's own events are), so an event list's text is
 * pure ASCII and becomes bytes with a plain copy (list-publisher.ts).
 */
import { pythonJsonString } from '@celerity/core/internal';

// Printable ASCII except `"` and `\`: a string written as-is between quotes.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A string as JSON: what Python's `json.dumps` writes (`"é"` as `"\u00e9"`). */
export function jsonString(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : pythonJsonString(value);
}

/**
 * {@link jsonString} without its quotes, for a template that writes them next to a field name
 * (`"uuid":"` + `jsonInner(id)`): the string itself when it needs no escape, which leaves the
 * event's text fewer pieces to join per string field.
 */
export function jsonInner(value: string): string {
  return PLAIN.test(value) ? value : pythonJsonString(value).slice(1, -1);
}

/** ASCII JSON text made fit to stand inside a JSON string: its `"` as `\"`, its `\` as `\\`. */
export function inJsonString(json: string): string {
  return JSON.stringify(json).slice(1, -1);
}

/**
 * {@link jsonInner} escaped once more ({@link inJsonString}), for an event list written to stand
 * inside a JSON string (event-records.ts): a plain string is still written as it is.
 */
export function jsonInnerInString(value: string): string {
  return PLAIN.test(value) ? value : inJsonString(pythonJsonString(value).slice(1, -1));
}

/** {@link jsonString}, or `null`. */
export function jsonStringOrNull(value: string | null): string {
  return value === null ? 'null' : jsonString(value);
}
