/**
 * JSON text → value, the way Python's `json.loads` reads it: bare `NaN` / `Infinity` /
 * `-Infinity` tokens are numbers, and integers that do not fit a double exactly become `bigint`.
 *
 * `JSON.parse` (native, fast) is used whenever the text holds neither; one linear pre-scan decides,
 * and also bounds the nesting depth so a hostile body (50 MB of `[`) fails fast instead of keeping
 * V8's parser busy for seconds. Only texts with those tokens go through the small parser below.
 */
import { DecodeError } from '../errors.js';

/** Default deepest nesting of arrays/objects accepted (Python's own recursion limit is ~1000). */
export const DEFAULT_JSON_MAX_DEPTH = 1000;

const FLAG_SPECIAL = 1;
const FLAG_BIG_INT = 2;
/** Sentinel digit count while inside a fraction or exponent: those digits never make a big integer. */
const IN_FRACTION = -1e9;

/**
 * Index of the `"` that closes the string literal opened at `open` (the text's length when none
 * does). Found with `indexOf`, which skips a string's body natively instead of a loop per character
 * (a chain's body is mostly ids and task names); a quote preceded by an odd run of backslashes is
 * escaped, and the search goes on after it.
 */
function closingQuote(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let before = quote - 1;
    // Stops at `open` at the latest: it is a quote, not a backslash.
    while (text.charCodeAt(before) === 92) before--;
    if ((quote - 1 - before) % 2 === 0) return quote;
    from = quote + 1;
  }
}

/**
 * One pass over the text outside string literals: nesting depth (throws past `maxDepth`), bare
 * `N`/`I` letters (NaN/Infinity) and runs of 16+ integer digits (2^53 has 16 digits; 15 always fit).
 */
function scan(text: string, maxDepth: number): number {
  let depth = 0;
  let digits = 0;
  let flags = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = closingQuote(text, i);
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits === 16) flags |= FLAG_BIG_INT;
    } else if (c === 91 || c === 123) {
      if (++depth > maxDepth) throw new DecodeError(`JSON nested deeper than ${maxDepth} levels`);
      digits = 0;
    } else if (c === 46 || c === 101 || c === 69) {
      digits = IN_FRACTION;
    } else if (c === 78 || c === 73) {
      flags |= FLAG_SPECIAL;
      digits = 0;
    } else if (c === 93 || c === 125) {
      depth--;
      digits = 0;
    } else if (c !== 45 && c !== 43) {
      digits = 0;
    }
  }
  return flags;
}

/**
 * Parses JSON text with Python's extensions (see module doc). Tagged `__type__` objects are left
 * as they are; see `reviveTagged`.
 * @throws DecodeError for malformed text or nesting deeper than `maxDepth`.
 */
export function parseJsonText(text: string, maxDepth: number = DEFAULT_JSON_MAX_DEPTH): unknown {
  if (scan(text, maxDepth) === 0) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new DecodeError(`Invalid JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  return new PythonJsonParser(text, maxDepth).parseDocument();
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
/**
 * Python's own cap on int ↔ str conversion (`sys.get_int_max_str_digits()`, 3.11+): Python never
 * sends longer integers, and converting megabytes of digits to a bigint would take seconds.
 */
const MAX_INT_DIGITS = 4300;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Sets a parsed key without ever invoking the `__proto__` setter (JSON.parse semantics). */
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Recursive-descent parser for the slow path; depth is bounded by `maxDepth`. */
class PythonJsonParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parseDocument(): unknown {
    const value = this.value();
    this.ws();
    if (this.pos < this.text.length) this.fail('unexpected data after the value');
    return value;
  }

  private fail(what: string): never {
    throw new DecodeError(`Invalid JSON at position ${this.pos}: ${what}`);
  }

  private ws(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++this.pos);
  }

  private literal(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected token`);
    this.pos += word.length;
    return value;
  }

  private value(): unknown {
    this.ws();
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 123:
        return this.object();
      case 91:
        return this.array();
      case 34:
        return this.string();
      case 116:
        return this.literal('true', true);
      case 102:
        return this.literal('false', false);
      case 110:
        return this.literal('null', null);
      case 78:
        return this.literal('NaN', Number.NaN);
      case 73:
        return this.literal('Infinity', Number.POSITIVE_INFINITY);
      default:
        if (c === 45 && this.text.charCodeAt(this.pos + 1) === 73) {
          this.pos++;
          return -(this.literal('Infinity', Number.POSITIVE_INFINITY) as number);
        }
        if (c === 45 || (c >= 48 && c <= 57)) return this.number();
        return this.fail(Number.isNaN(c) ? 'unexpected end of input' : 'unexpected token');
    }
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail('invalid number');
    const literal = m[0];
    this.pos += literal.length;
    if (m[1] !== undefined || m[2] !== undefined) return Number(literal);
    // An integer: exact as a bigint when a double would round it, a plain number otherwise.
    if (literal.length < 16) return Number(literal);
    if (literal.length - (literal.charCodeAt(0) === 45 ? 1 : 0) > MAX_INT_DIGITS) {
      this.fail(`integer literal longer than ${MAX_INT_DIGITS} digits`);
    }
    const big = BigInt(literal);
    return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
  }

  private string(): string {
    const t = this.text;
    let start = ++this.pos;
    let out = '';
    for (let i = start; ; i++) {
      if (i >= t.length) {
        this.pos = i;
        this.fail('unterminated string');
      }
      const c = t.charCodeAt(i);
      if (c === 34) {
        this.pos = i + 1;
        return out + t.slice(start, i);
      }
      if (c === 92) {
        out += t.slice(start, i);
        const e = t.charAt(i + 1);
        if (e === 'u') {
          const hex = t.slice(i + 2, i + 6);
          this.pos = i;
          if (!HEX4.test(hex)) this.fail('invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 5;
        } else {
          const ch = ESCAPES[e];
          this.pos = i;
          if (ch === undefined) this.fail('invalid escape');
          out += ch;
          i += 1;
        }
        start = i + 1;
      } else if (c < 32) {
        this.pos = i;
        this.fail('control character in string');
      }
    }
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth} levels`);
    this.pos++;
    this.ws();
  }

  private array(): unknown[] {
    this.enter();
    const out: unknown[] = [];
    if (this.text.charCodeAt(this.pos) === 93) {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 93) break;
      if (c !== 44) {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
    this.depth--;
    return out;
  }

  private object(): Record<string, unknown> {
    this.enter();
    const out: Record<string, unknown> = {};
    if (this.text.charCodeAt(this.pos) === 125) {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 34) this.fail('expected a string key');
      const key = this.string();
      this.ws();
      if (this.text.charCodeAt(this.pos++) !== 58) {
        this.pos--;
        this.fail("expected ':'");
      }
      setKey(out, key, this.value());
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 125) break;
      if (c !== 44) {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
    this.depth--;
    return out;
  }
}
