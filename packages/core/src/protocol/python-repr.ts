/**
 * A Python-`repr`-like rendering of JS values, bounded like Celery's `saferepr`: used for the
 * `argsrepr` / `kwargsrepr` headers, event fields and log lines that Python tools display.
 */

/** Options of {@link pythonRepr}. */
export interface PythonReprOptions {
  /**
   * Longest output; longer renderings are cut and end in `...` (Celery's `argsrepr_maxsize`).
   * @default 1024
   */
  maxLength?: number;
  /**
   * Containers nested this deep are shown as `[...]` / `{...}` (Celery's saferepr `maxlevels`).
   * @default 3
   */
  maxLevels?: number;
}

/** Celery's `argsrepr_maxsize` / `kwargsrepr_maxsize`. */
export const REPR_MAX_LENGTH = 1024;

const PLAIN_ASCII = /^[\x20-\x7e]*$/;
const NON_PRINTABLE = /^[\p{C}\p{Z}]$/u;

function hexEscape(cp: number): string {
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** Python's `repr(str)`: quote choice, backslash escapes, non-printable characters as `\x` / `\u` / `\U`. */
export function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  if (PLAIN_ASCII.test(s) && !s.includes('\\') && !s.includes(quote)) return quote + s + quote;
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += hexEscape(cp);
    else if (cp < 0x7f || ch === ' ') out += ch;
    else out += NON_PRINTABLE.test(ch) ? hexEscape(cp) : ch;
  }
  return out + quote;
}

function bytesRepr(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const b of bytes) {
    if (b === 0x5c || b === quote.charCodeAt(0)) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += hexEscape(b);
    else out += String.fromCharCode(b);
  }
  return out + quote;
}

/**
 * Python's repr of the number Python will receive: an integral JS number arrives as an `int`
 * (JSON writes `1.0` as `1`), anything else as a float (`1e-05`, `inf`, `nan`).
 */
export function pythonNumberRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const [mantissa = '', exp = '0'] = n.toExponential().split('e');
  const e = Number(exp);
  // Python switches to exponent notation below 1e-4 and from 1e16; JS's own fixed range is wider.
  if (e >= -4 && e < 16) return String(n);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function dateRepr(d: Date): string {
  if (Number.isNaN(d.getTime())) return 'datetime.datetime(<invalid>)';
  const parts = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()];
  const sec = d.getUTCSeconds();
  const micro = d.getUTCMilliseconds() * 1000;
  if (sec !== 0 || micro !== 0) parts.push(sec);
  if (micro !== 0) parts.push(micro);
  return `datetime.datetime(${parts.join(', ')}, tzinfo=datetime.timezone.utc)`;
}

class ReprWriter {
  private readonly parts: string[] = [];
  private length = 0;
  private readonly seen = new Set<object>();

  constructor(
    private readonly maxLength: number,
    private readonly maxLevels: number,
  ) {}

  get full(): boolean {
    return this.length > this.maxLength;
  }

  push(s: string): void {
    this.parts.push(s);
    this.length += s.length;
  }

  result(): string {
    const text = this.parts.join('');
    return text.length > this.maxLength ? `${text.slice(0, this.maxLength)}...` : text;
  }

  value(v: unknown, level: number): void {
    if (this.full) return;
    switch (typeof v) {
      case 'string':
        // Only what can still be shown is escaped: a 50 MB string costs no more than a short one.
        return this.push(pythonStrRepr(v.length > this.maxLength ? v.slice(0, this.maxLength + 1) : v));
      case 'number':
        return this.push(pythonNumberRepr(v));
      case 'bigint':
        return this.push(v.toString());
      case 'boolean':
        return this.push(v ? 'True' : 'False');
      case 'undefined':
        return this.push('None');
      case 'function':
        return this.push(`<function ${v.name || '<anonymous>'}>`);
      case 'symbol':
        return this.push(`<${v.toString()}>`);
      default:
        if (v === null) return this.push('None');
        return this.object(v as object, level);
    }
  }

  private object(v: object, level: number): void {
    if (v instanceof Date) return this.push(dateRepr(v));
    if (v instanceof Uint8Array) return this.push(bytesRepr(v.length > this.maxLength ? v.subarray(0, this.maxLength + 1) : v));
    // Typed arrays other than bytes travel as JSON arrays, so they show as lists.
    const isList = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
    const isSet = v instanceof Set;
    if (level >= this.maxLevels || this.seen.has(v)) return this.push(isList ? '[...]' : '{...}');
    this.seen.add(v);
    if (isList || isSet) {
      const items = Array.isArray(v) ? v : Array.from(v as Iterable<unknown>);
      if (isSet && items.length === 0) this.push('set()');
      else this.sequence(items, isSet ? '{' : '[', isSet ? '}' : ']', level);
    } else {
      const entries: Iterable<[unknown, unknown]> = v instanceof Map ? v : Object.entries(v);
      this.push('{');
      let first = true;
      for (const [k, item] of entries) {
        if (this.full) break;
        if (!first) this.push(', ');
        first = false;
        this.value(k, level + 1);
        this.push(': ');
        this.value(item, level + 1);
      }
      this.push('}');
    }
    this.seen.delete(v);
  }

  private sequence(items: readonly unknown[], open: string, close: string, level: number): void {
    this.push(open);
    for (let i = 0; i < items.length && !this.full; i++) {
      if (i > 0) this.push(', ');
      this.value(items[i], level + 1);
    }
    this.push(close);
  }
}

/**
 * Renders a value the way Python's `repr` shows what Python receives: `None`, `True`, `'text'`,
 * `[1, 2]`, `{'y': 3}`, `b'\x00'`, `datetime.datetime(…)`. Containers deeper than `maxLevels`
 * show as `[...]` / `{...}` and the result is cut at `maxLength` (ending in `...`), as Celery's
 * saferepr does, so rendering a huge argument stays cheap.
 * @example
 * pythonRepr([4, 4]);        // '[4, 4]'
 * pythonRepr({ y: 3 });      // "{'y': 3}"
 */
export function pythonRepr(value: unknown, options: PythonReprOptions = {}): string {
  const maxLength = options.maxLength ?? REPR_MAX_LENGTH;
  const maxLevels = options.maxLevels ?? 3;
  if (maxLevels > 0) {
    const flat = flatRepr(value);
    if (flat !== undefined && flat.length <= maxLength) return flat;
  }
  const writer = new ReprWriter(maxLength, maxLevels);
  writer.value(value, 0);
  return writer.result();
}

/** Scalars shown the same at any depth (what `ReprWriter.value` writes for them); undefined for the rest. */
function scalarRepr(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      return pythonNumberRepr(v);
    case 'string':
      return pythonStrRepr(v);
    case 'boolean':
      return v ? 'True' : 'False';
    case 'undefined':
      return 'None';
    default:
      return v === null ? 'None' : undefined;
  }
}

/**
 * The common argument shapes without the general writer and its allocations: a plain array of
 * numbers, strings, booleans and nulls (`args` of most tasks) and an empty plain object (`kwargs`
 * of most tasks). The same text `ReprWriter` writes for them; undefined for anything else.
 */
function flatRepr(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      const item = scalarRepr(value[i]);
      if (item === undefined) return undefined;
      text += i === 0 ? item : `, ${item}`;
    }
    return `${text}]`;
  }
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key in value) if (Object.hasOwn(value, key)) return undefined;
    return '{}';
  }
  return undefined;
}
