/**
 * kombu ≥ 5.3 tagged JSON values: objects whose keys are exactly `__type__` and `__value__`.
 * Decoded innermost first at every depth, as kombu's `object_hook` does.
 */
import { DecodeError } from '../errors.js';
import { parseCeleryDate } from '../protocol/dates.js';

/** What to do with a `__type__` marker kombu does not define (an application's `register_type`). */
export type UnknownTypePolicy = 'error' | 'passthrough';

const utf8 = new TextEncoder();
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX32 = /^[0-9a-f]{32}$/;

/** Standard base64 (with padding, whitespace ignored) → bytes; DecodeError otherwise. */
export function decodeBase64(text: string): Uint8Array {
  const clean = /\s/.test(text) ? text.replace(/\s+/g, '') : text;
  if (!BASE64.test(clean)) throw new DecodeError('Invalid base64 in a tagged "base64" value');
  // Copied out of Node's shared Buffer pool so the result owns its memory.
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/** Any form `uuid.UUID(hex=…)` accepts (`{…}`, `urn:uuid:`, dashes) → the dashed lowercase string. */
function formatUuid(raw: unknown): string {
  const hex = typeof raw === 'string' ? raw.toLowerCase().replace(/^urn:uuid:/, '').replace(/[{}-]/g, '') : '';
  if (!HEX32.test(hex)) throw new DecodeError('Invalid tagged "uuid" value');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function expectString(type: string, value: unknown): string {
  if (typeof value !== 'string') throw new DecodeError(`Tagged "${type}" value must be a string`);
  return value;
}

function decodeTag(tagged: Record<string, unknown>, policy: UnknownTypePolicy): unknown {
  const type = tagged['__type__'];
  const value = tagged['__value__'];
  switch (type) {
    case 'datetime':
      return parseCeleryDate(expectString(type, value));
    case 'date':
    case 'time':
    case 'decimal':
      // Kept as text: JS has no date-only / time-only type, and a Number would round a Decimal.
      return expectString(type, value);
    case 'uuid': {
      const hex = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['hex'] : value;
      return formatUuid(hex);
    }
    case 'bytes':
      return utf8.encode(expectString(type, value));
    case 'base64':
      return decodeBase64(expectString(type, value));
    default:
      if (policy === 'error') {
        throw new DecodeError(`Unsupported tagged JSON type ${JSON.stringify(String(type)).slice(0, 80)}`);
      }
      return tagged;
  }
}

function isTagged(obj: Record<string, unknown>): boolean {
  let count = 0;
  for (const key in obj) {
    if (++count > 2 || (key !== '__type__' && key !== '__value__')) return false;
  }
  return count === 2;
}

/**
 * Replaces tagged objects inside a freshly parsed JSON value, in place (the parser's output is not
 * shared), and returns the possibly replaced root.
 */
export function reviveTagged(value: unknown, policy: UnknownTypePolicy): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) {
        const revived = reviveTagged(item, policy);
        if (revived !== item) value[i] = revived;
      }
    }
    return value;
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    const item = obj[key];
    if (typeof item === 'object' && item !== null) {
      const revived = reviveTagged(item, policy);
      if (revived !== item) {
        Object.defineProperty(obj, key, { value: revived, writable: true, enumerable: true, configurable: true });
      }
    }
  }
  return isTagged(obj) ? decodeTag(obj, policy) : obj;
}
