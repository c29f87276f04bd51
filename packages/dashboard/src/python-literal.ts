/**
 * Reads back the argument reprs of Celery's events (`"(2, 3)"`, `"{'x': 'a'}"`) as values, for a
 * retry when the result backend does not keep the arguments (`result_extended` off): Python
 * literals only — numbers, strings, None/True/False, tuples, lists, dicts. Anything else (an
 * object's repr, a repr cut short with `...`) is an error: a retry must not guess.
 */

export class PythonLiteralError extends Error {
  override readonly name = 'PythonLiteralError';
}

/** Parses one Python literal. */
export function parsePythonLiteral(text: string): unknown {
  let at = 0;
  const fail = (what: string): never => {
    throw new PythonLiteralError(`not a Python literal (${what} at ${at}): ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`);
  };
  const space = (): void => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const sequence = (close: string): unknown[] => {
    const items: unknown[] = [];
    space();
    while (text[at] !== close) {
      items.push(value());
      space();
      if (text[at] === ',') {
        at++;
        space();
      } else if (text[at] !== close) fail(`expected ',' or '${close}'`);
    }
    at++;
    return items;
  };
  const string = (): string => {
    const quote = text[at]!;
    at++;
    let out = '';
    while (at < text.length && text[at] !== quote) {
      const c = text[at++]!;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[at++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === 'x' || e === 'u' || e === 'U') {
        const size = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = text.slice(at, at + size);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== size) fail('bad escape');
        out += String.fromCodePoint(parseInt(hex, 16));
        at += size;
      } else fail('unknown escape');
    }
    if (at >= text.length) fail('unterminated string');
    at++;
    return out;
  };
  const value = (): unknown => {
    space();
    const c = text[at];
    if (c === '(') {
      at++;
      return sequence(')');
    }
    if (c === '[') {
      at++;
      return sequence(']');
    }
    if (c === '{') {
      at++;
      const object: Record<string, unknown> = {};
      space();
      while (text[at] !== '}') {
        const key = value();
        if (typeof key !== 'string') fail('a dict key that is not a string');
        space();
        if (text[at] !== ':') fail("expected ':'");
        at++;
        object[key as string] = value();
        space();
        if (text[at] === ',') at++;
        else if (text[at] !== '}') fail("expected ',' or '}'");
        space();
      }
      at++;
      return object;
    }
    if (c === "'" || c === '"') return string();
    const word = /^(None|True|False|-?\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(text.slice(at));
    if (word === null) return fail('unexpected text');
    at += word[0].length;
    if (word[0] === 'None') return null;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    return Number(word[0]);
  };
  const result = value();
  space();
  if (at !== text.length) fail('trailing text');
  return result;
}
