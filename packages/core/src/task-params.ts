/**
 * Maps Celery's `(args, kwargs)` onto a JavaScript function's positional parameters, failing the
 * way Python would (`TypeError: add() got an unexpected keyword argument 'z'`).
 */

/** Parameter names that are taken to be the task context when they come last. */
const CONTEXT_NAMES = new Set(['ctx', 'context', '_ctx', '_context', 'taskContext']);

/** Splits the text between the outer parentheses at top-level commas. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Removes comments so they cannot confuse the parameter scan. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

/**
 * Reads parameter names from a function's source (`(x, y = 1, ...rest) => …`), dropping a trailing
 * context parameter (`ctx`, `context`). Destructured parameters get a positional placeholder name;
 * a parameter with a default value is marked optional with a trailing `?` (`'y?'`).
 * A minifier renames parameters: pass `params` to `defineTask` for code that is minified.
 */
export function parseParameterNames(fn: (...args: never[]) => unknown): string[] {
  const source = stripComments(Function.prototype.toString.call(fn)).trim();
  let inner: string;
  const arrowSingle = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrowSingle) {
    inner = arrowSingle[1]!;
  } else {
    const open = source.indexOf('(');
    if (open < 0) return [];
    let depth = 0;
    let close = -1;
    for (let i = open; i < source.length; i++) {
      const ch = source[i];
      if (ch === '(') depth++;
      else if (ch === ')' && --depth === 0) {
        close = i;
        break;
      }
    }
    inner = close > open ? source.slice(open + 1, close) : '';
  }
  const names = splitTopLevel(inner).map((part, index) => {
    const hasDefault = /=/.test(part.replace(/=>/g, ''));
    const bare = part.replace(/=[\s\S]*$/, '').trim();
    if (bare.startsWith('...')) return `...${bare.slice(3).trim()}`;
    const name = /^[A-Za-z_$][\w$]*$/.test(bare) ? bare : `arg${index}`;
    return hasDefault ? `${name}?` : name;
  });
  if (names.length > 0 && CONTEXT_NAMES.has(names[names.length - 1]!.replace(/\?$/, ''))) names.pop();
  return names;
}

/** A parameter name without its optional marker. */
function bareName(param: string): string {
  return param.replace(/\?$/, '');
}

/** True when `kwargs` is empty and `args` binds without an error: no extra, none required missing. */
function fitsPositionally(params: readonly string[], args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): boolean {
  for (const key in kwargs) if (Object.hasOwn(kwargs, key)) return false;
  const n = params.length;
  if (args.length > n) return n > 0 && params[n - 1]!.startsWith('...');
  for (let i = args.length; i < n; i++) {
    const p = params[i]!;
    if (!p.endsWith('?') && !p.startsWith('...')) return false;
  }
  return true;
}

/**
 * Binds Celery `args` + `kwargs` to positional arguments for a function with parameters `params`
 * (names from {@link parseParameterNames} or `TaskOptions.params`; `'y?'` marks an optional one,
 * `'...rest'` a rest parameter). Throws a `TypeError` worded like Python's for unknown, duplicate
 * or missing arguments. Optional parameters not given stay `undefined` so JavaScript defaults apply.
 */
export function bindArguments(
  taskName: string,
  params: readonly string[],
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): unknown[] {
  // The common call (positional args only, and enough of them) needs none of the bookkeeping below.
  if (fitsPositionally(params, args, kwargs)) return args.slice();
  const restIndex = params.findIndex((p) => p.startsWith('...'));
  const named = (restIndex >= 0 ? params.slice(0, restIndex) : params).map(bareName);
  const optional = (restIndex >= 0 ? params.slice(0, restIndex) : params).map((p) => p.endsWith('?'));
  if (restIndex < 0 && args.length > named.length) {
    throw new TypeError(
      `${taskName}() takes ${named.length} positional argument${named.length === 1 ? '' : 's'} but ${args.length} were given`,
    );
  }
  const bound: unknown[] = [...args];
  const given = new Set<number>(args.map((_, i) => i));
  for (const key of Object.keys(kwargs)) {
    const index = named.indexOf(key);
    if (index < 0) throw new TypeError(`${taskName}() got an unexpected keyword argument '${key}'`);
    if (given.has(index)) throw new TypeError(`${taskName}() got multiple values for argument '${key}'`);
    bound[index] = kwargs[key];
    given.add(index);
  }
  const missing = named.filter((name, i) => !given.has(i) && !optional[i]);
  if (missing.length > 0) {
    throw new TypeError(
      `${taskName}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${missing.map((m) => `'${m}'`).join(' and ')}`,
    );
  }
  // Holes (optional parameters skipped by keyword) become undefined so defaults apply.
  for (let i = 0; i < bound.length; i++) if (!(i in bound)) bound[i] = undefined;
  return bound;
}
