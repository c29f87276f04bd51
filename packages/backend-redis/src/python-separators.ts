/**
 * Python's `json.dumps` writes `", "` and `": "` between items; compact JSON writers (the core
 * serializer's default, `JSON.stringify`) write `,` and `:`. Both parse the same, but Celery's stored
 * values are byte-compared by people and tools (and by our tests against captured values), so JSON
 * results are written with Python's separators. The default serializer writes them itself (core's
 * writer, `separators: 'python'`); a JSON serializer given by the application is respaced here.
 */
import type { Serializer } from '@celerity/core';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const SPACE = 0x20;

/**
 * Inserts a space after every `,` and `:` outside strings that is not already followed by one.
 * Works on UTF-8 bytes (multi-byte sequences never contain these ASCII bytes). Idempotent.
 * @example
 * addPythonSeparators(utf8('{"a":[1,2]}')); // '{"a": [1, 2]}'
 */
export function addPythonSeparators(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if ((b === COMMA || b === COLON) && bytes[i + 1] !== SPACE) extra++;
  }
  if (extra === 0) return bytes;
  const out = new Uint8Array(bytes.length + extra);
  let o = 0;
  inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    out[o++] = b;
    if (inString) {
      if (b === BACKSLASH) out[o++] = bytes[++i] as number;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if ((b === COMMA || b === COLON) && bytes[i + 1] !== SPACE) out[o++] = SPACE;
  }
  return out;
}

/** Whether a serializer writes JSON (its output gets Python's separators). */
export function isJsonSerializer(serializer: Serializer): boolean {
  return serializer.contentType === 'application/json' || serializer.name === 'json';
}

/**
 * The same serializer, its output given Python's separators. Decoding is unchanged.
 * @example
 * const json = withPythonSeparators(createJsonSerializer());
 */
export function withPythonSeparators(serializer: Serializer): Serializer {
  return {
    name: serializer.name,
    contentType: serializer.contentType,
    contentEncoding: serializer.contentEncoding,
    encode: (value) => addPythonSeparators(serializer.encode(value)),
    decode: (bytes) => serializer.decode(bytes),
  };
}
