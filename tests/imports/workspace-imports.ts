/**
 * Finds code that reaches into another workspace package's `src/` or `dist/` by path instead of
 * importing the package by name: `import … from '../../core/src/x.js'`, `new URL('../../../packages/
 * worker/src/cli.ts', import.meta.url)`, `node ../../packages/worker/src/cli.ts` in a package.json
 * script. Every string literal of a source file that is a relative, absolute or `file:` path is
 * resolved against the file; every path-like word of a script against its package.json. A file may
 * reach into its own package's `src/` (tests do), and anything may reach places that are no
 * package's `src/` or `dist/` (e.g. `tests/interop/harness`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** A workspace package: its name and its directory relative to the root (`packages/core`). */
export interface WorkspacePackage {
  readonly name: string;
  readonly dir: string;
}

/** One path into another package. */
export interface PathImport {
  /** The file (relative to the root, `/` separators) and the 1-based line of the literal. */
  readonly file: string;
  readonly line: number;
  /** The literal as written. */
  readonly path: string;
  /** What it reaches: `@celerity/core src/`. */
  readonly reaches: string;
}

const SOURCE = /\.(?:[cm]?tsx?|[cm]?js)$/;
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.turbo', '.readme-snippets', 'coverage', 'test-results', '.cache']);

/** The package that owns a path (relative to the root), by the longest directory prefix. */
function ownerOf(path: string, packages: readonly WorkspacePackage[]): WorkspacePackage | undefined {
  let best: WorkspacePackage | undefined;
  for (const p of packages) if ((path === p.dir || path.startsWith(`${p.dir}/`)) && (!best || p.dir.length > best.dir.length)) best = p;
  return best;
}

/** `@celerity/core src/` when `target` is inside another package's src/ or dist/, else undefined. */
function reachedInto(target: string, from: WorkspacePackage | undefined, packages: readonly WorkspacePackage[]): string | undefined {
  const owner = ownerOf(target, packages);
  if (!owner || owner === from) return undefined;
  const inside = target === owner.dir ? '' : target.slice(owner.dir.length + 1);
  const top = inside.split('/')[0];
  return top === 'src' || top === 'dist' ? `${owner.name} ${top}/` : undefined;
}

/** Resolves a path literal as written in `file` to a root-relative path; undefined when it is no path. */
function resolveLiteral(text: string, file: string, root: string): string | undefined {
  let absolute: string;
  if (text.startsWith('./') || text.startsWith('../')) {
    absolute = posix.join(posix.dirname(file), text);
    return absolute.startsWith('../') ? undefined : absolute;
  }
  if (text.startsWith('file:')) {
    try {
      absolute = fileURLToPath(text);
    } catch {
      return undefined;
    }
  } else if (text.startsWith('/')) {
    absolute = text;
  } else {
    return undefined;
  }
  const rel = relative(root, absolute).split(sep).join('/');
  return rel.startsWith('..') || rel === '' ? undefined : rel;
}

/**
 * The paths into other packages in one source file's text.
 * @example
 * pathImportsInSource('apps/x/run.ts', "import '../../packages/core/src/index.js'", packages, '/repo')
 * // [{ file: 'apps/x/run.ts', line: 1, path: '../../packages/core/src/index.js', reaches: '@celerity/core src/' }]
 */
export function pathImportsInSource(file: string, text: string, packages: readonly WorkspacePackage[], root: string): PathImport[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const from = ownerOf(file, packages);
  const found: PathImport[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const target = resolveLiteral(node.text, file, root);
      const reaches = target === undefined ? undefined : reachedInto(target, from, packages);
      if (reaches) found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, path: node.text, reaches });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The paths into other packages in a package.json's `scripts` (`file` is the package.json's path). */
export function pathImportsInScripts(file: string, text: string, packages: readonly WorkspacePackage[]): PathImport[] {
  const manifest = JSON.parse(text) as { scripts?: Record<string, string> };
  const dir = posix.dirname(file);
  const from = ownerOf(file, packages);
  const found: PathImport[] = [];
  for (const [name, script] of Object.entries(manifest.scripts ?? {})) {
    for (const word of script.split(/[\s;&|()=]+/)) {
      if (!word.includes('/') || /^[a-z][\w+.-]*:\/\//i.test(word) || word.startsWith('@')) continue;
      const target = posix.normalize(posix.join(dir, word));
      if (target.startsWith('../')) continue;
      const reaches = reachedInto(target, from, packages);
      if (reaches) found.push({ file: `${file} (script "${name}")`, line: 0, path: word, reaches });
    }
  }
  return found;
}

/** The workspace packages listed by pnpm-workspace.yaml (`packages/*`, `apps/*`, `bench`). */
export function workspacePackages(root: string): WorkspacePackage[] {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs: string[] = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages:\s*$/.test(line)) inPackages = true;
    else if (/^\S/.test(line)) inPackages = false;
    else if (inPackages) {
      const match = /^\s*-\s*['"]?([^'"#\s]+)['"]?/.exec(line);
      if (match) globs.push(match[1]!);
    }
  }
  const dirs = globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [glob];
    const parent = glob.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${parent}/${e.name}`);
  });
  return dirs.flatMap((dir) => {
    try {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name?: string };
      return manifest.name ? [{ name: manifest.name, dir }] : [];
    } catch {
      return [];
    }
  });
}

/** Every path into another package's `src/` or `dist/` in the repository, except in `ignore` (root-relative files). */
export function findPathImports(root: string, ignore: readonly string[] = []): PathImport[] {
  const packages = workspacePackages(root);
  const found: PathImport[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(path);
      } else if (ignore.includes(path)) {
        continue;
      } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        found.push(...pathImportsInSource(path, readFileSync(join(root, path), 'utf8'), packages, root));
      } else if (entry.name === 'package.json') {
        found.push(...pathImportsInScripts(path, readFileSync(join(root, path), 'utf8'), packages));
      }
    }
  };
  walk('');
  return found;
}
