/**
 * The TypeScript blocks (```ts / ```typescript) of every README.md in the repository, and what the
 * README says about running each one: an HTML comment just above the fence (blank lines between are
 * allowed, nothing else), e.g.
 *
 *   <!-- readme-test: file=tasks.ts module -->
 *   <!-- readme-test: worker="-A tasks.ts -b redis://localhost:6379/0" prints="8" -->
 *   <!-- readme-test: no-run="starts a Python Celery worker; tests/interop runs this code" -->
 *
 * Keys:
 * - `file=<name>.ts`: the file the block is saved as, so other blocks can import it. Without it, a
 *   first line `// <name>.ts` names the file, else it is `block-<n>.ts`.
 * - `module`: not run on its own; a block that runs must import it (not type-only) or a `worker`
 *   must load it with `-A`.
 * - `background`: started before the next block that runs, and stopped with SIGTERM after it; it
 *   must still be running then and exit 0 (a worker that shuts down warmly).
 * - `worker="<args>"`: a `celerity worker <args>` process runs while the block runs.
 * - `prints="<line>"` (repeatable): a line the block prints to stdout, in order; `/regex/` matches
 *   a line. Inside quotes, `\"` is a quote and `\\` a backslash. A block that prints and declares
 *   nothing fails.
 * - `no-run="<reason>"`: type-checked but not run. Keep these few.
 * - `timeout=<seconds>`: how long the block may run. Default 60.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One TypeScript block of a README. */
export interface ReadmeBlock {
  /** Path of the README relative to the repository root, with `/` separators. */
  readonly readme: string;
  /** 1-based position among the README's TypeScript blocks. */
  readonly index: number;
  /** 1-based line of the opening fence; the code starts on the next line. */
  readonly line: number;
  readonly code: string;
  /** File name in the README's snippet folder. */
  readonly file: string;
  readonly module: boolean;
  readonly background: boolean;
  /** Arguments of `celerity worker`, as written. */
  readonly worker: string | undefined;
  readonly prints: readonly string[];
  /** Why the block is only type-checked. */
  readonly noRun: string | undefined;
  /** Seconds. */
  readonly timeout: number;
}

/** `packages/client/README.md, block 2 (producer.ts, line 40)`: how failures name a block. */
export function describeBlock(block: Pick<ReadmeBlock, 'readme' | 'index' | 'file' | 'line'>): string {
  return `${block.readme}, block ${block.index} (${block.file}, line ${block.line})`;
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.turbo', '.readme-snippets', 'test-results', 'coverage', '.cache']);

/** Every README.md under `root`, relative paths with `/`, sorted. */
export function findReadmes(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.name === 'README.md') {
        found.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
      }
    }
  };
  walk(root);
  return found.sort();
}

const FENCE = /^(\s*)(`{3,})\s*([\w-]*)[^`]*$/;
/**
 * `<!-- include: path -->` right above a block: the block quotes that repository file verbatim
 * (docs/adapters.md and the testing README do; packages/testing/test/doc-quotes.test.ts checks the
 * copy). The file itself is compiled and run by the suite where it lives, so the quote is skipped here.
 */
const INCLUDE = /^\s*<!--\s*include:\s*\S+\s*-->\s*$/;
const ANNOTATION = /^\s*<!--\s*readme-test:(.*?)-->\s*$/;
const KEYS = new Set(['file', 'module', 'background', 'worker', 'prints', 'no-run', 'timeout']);

/** Parses `key=value key="a value" flag` pairs; repeated keys keep every value. */
export function parseAnnotation(text: string, where: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const pattern = /\s*([a-z-]+)(?:=(?:"((?:[^"\\]|\\.)*)"|(\S+)))?/gy;
  let rest = text.trim();
  pattern.lastIndex = 0;
  while (rest.length > 0) {
    const match = pattern.exec(rest);
    if (!match || match[0].length === 0) throw new Error(`${where}: cannot read the readme-test annotation at '${rest}'`);
    const key = match[1]!;
    if (!KEYS.has(key)) throw new Error(`${where}: unknown readme-test key '${key}' (known: ${[...KEYS].join(', ')})`);
    const value = match[2] !== undefined ? match[2].replace(/\\(["\\])/g, '$1') : (match[3] ?? '');
    fields.set(key, [...(fields.get(key) ?? []), value]);
    rest = rest.slice(match[0].length).trim();
    pattern.lastIndex = 0;
  }
  return fields;
}

function single(fields: Map<string, string[]>, key: string, where: string): string | undefined {
  const values = fields.get(key);
  if (values && values.length > 1) throw new Error(`${where}: '${key}' given ${values.length} times`);
  return values?.[0];
}

/** The TypeScript blocks of one README's text. Throws on a malformed or misplaced annotation. */
export function extractBlocks(readme: string, text: string): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  const names = new Set<string>();
  let pending: { fields: Map<string, string[]>; line: number } | undefined;
  let quoting = false;
  for (let i = 0; i < lines.length; i++) {
    const current = lines[i]!;
    if (INCLUDE.test(current)) {
      quoting = true;
      continue;
    }
    const annotation = ANNOTATION.exec(current);
    if (annotation) {
      if (pending) throw new Error(`${readme}:${pending.line}: readme-test annotation not followed by a TypeScript block`);
      pending = { fields: parseAnnotation(annotation[1]!, `${readme}:${i + 1}`), line: i + 1 };
      continue;
    }
    const fence = FENCE.exec(current);
    if (!fence) {
      if (pending && current.trim() !== '') throw new Error(`${readme}:${pending.line}: readme-test annotation not followed by a TypeScript block`);
      if (current.trim() !== '') quoting = false;
      continue;
    }
    const [, indent = '', ticks = '```', lang = ''] = fence;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^\\s*${ticks}\\s*$`).test(lines[end]!)) end++;
    if (end >= lines.length) throw new Error(`${readme}:${i + 1}: code block never closed`);
    if (quoting) {
      if (pending) throw new Error(`${readme}:${pending.line}: a readme-test annotation on a block that quotes a file (include:)`);
      quoting = false;
      i = end;
      continue;
    }
    const isTs = lang === 'ts' || lang === 'typescript';
    if (!isTs) {
      if (pending) throw new Error(`${readme}:${pending.line}: readme-test annotation on a '${lang || 'plain'}' block (only ts / typescript blocks are tested)`);
      i = end;
      continue;
    }
    const code = lines
      .slice(i + 1, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n');
    const index = blocks.length + 1;
    const fields = pending?.fields ?? new Map<string, string[]>();
    const where = `${readme}:${pending?.line ?? i + 1}`;
    const named = /^\/\/\s*([\w.-]+\.ts)\b/.exec(code)?.[1];
    const file = single(fields, 'file', where) ?? named ?? `block-${index}.ts`;
    if (!/^[\w.-]+\.ts$/.test(file)) throw new Error(`${where}: file '${file}' must be a plain name ending in .ts`);
    if (names.has(file)) throw new Error(`${where}: two blocks are saved as ${file}; give one another name with file=…`);
    names.add(file);
    const timeoutText = single(fields, 'timeout', where);
    const timeout = timeoutText === undefined ? 60 : Number(timeoutText);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`${where}: timeout must be a positive number of seconds`);
    const noRun = single(fields, 'no-run', where);
    if (noRun !== undefined && noRun.trim() === '') throw new Error(`${where}: no-run needs a reason: no-run="…"`);
    const block: ReadmeBlock = {
      readme,
      index,
      line: i + 1,
      code,
      file,
      module: fields.has('module'),
      background: fields.has('background'),
      worker: single(fields, 'worker', where),
      prints: fields.get('prints') ?? [],
      noRun,
      timeout,
    };
    const roles = [block.module, block.background, block.noRun !== undefined].filter(Boolean).length;
    if (roles > 1) throw new Error(`${where}: module, background and no-run exclude each other`);
    if (roles > 0 && (block.worker !== undefined || block.prints.length > 0)) {
      throw new Error(`${where}: worker and prints apply only to a block that runs on its own (not module, background or no-run)`);
    }
    blocks.push(block);
    pending = undefined;
    i = end;
  }
  if (pending) throw new Error(`${readme}:${pending.line}: readme-test annotation not followed by a TypeScript block`);
  return blocks;
}

/** The blocks of every README under `root`. */
export function readmeBlocks(root: string): Map<string, ReadmeBlock[]> {
  const all = new Map<string, ReadmeBlock[]>();
  for (const readme of findReadmes(root)) all.set(readme, extractBlocks(readme, readFileSync(join(root, readme), 'utf8')));
  return all;
}

/**
 * The relative modules a block imports for their side effects or values (not `import type`),
 * as file names in the snippet folder: `import { x } from './tasks.js'` → `tasks.ts`.
 */
export function valueImports(code: string): string[] {
  const found = new Set<string>();
  // `import type` is erased; anything else (even `import { type x }`, under verbatimModuleSyntax) loads the module.
  const statement = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.\/[\w.-]+)\.js['"]/gm;
  for (const match of code.matchAll(statement)) if (match[1] === undefined) found.add(`${match[2]!.slice(2)}.ts`);
  for (const match of code.matchAll(/\bimport\(\s*['"](\.\/[\w.-]+)\.js['"]\s*\)/g)) found.add(`${match[1]!.slice(2)}.ts`);
  return [...found];
}

/** The module file `-A`/`--app` names in `celerity worker` arguments, if any. */
export function workerApp(args: string): string | undefined {
  const match = /(?:^|\s)(?:-A|--app)(?:\s+|=)(\S+)/.exec(args);
  return match?.[1]?.replace(/^\.\//, '');
}

/** Splits `celerity worker` arguments as a shell would for these simple cases (no quoting). */
export function splitArgs(args: string): string[] {
  return args.trim().split(/\s+/).filter(Boolean);
}

/**
 * The module blocks nothing loads: a module counts as loaded when a block that `runs` imports it
 * (not `import type`), directly or through other modules, or a `worker` annotation names it in `-A`.
 */
export function unusedModules(blocks: readonly ReadmeBlock[], runs: (block: ReadmeBlock) => boolean): ReadmeBlock[] {
  const byFile = new Map(blocks.map((b) => [b.file, b]));
  const loaded = new Set<string>();
  const visit = (file: string): void => {
    if (loaded.has(file)) return;
    loaded.add(file);
    const block = byFile.get(file);
    if (block) for (const next of valueImports(block.code)) visit(next);
  };
  for (const b of blocks) {
    if (!runs(b)) continue;
    for (const file of valueImports(b.code)) visit(file);
    const app = b.worker === undefined ? undefined : workerApp(b.worker);
    if (app) visit(app);
  }
  return blocks.filter((b) => b.module && !loaded.has(b.file));
}
