/**
 * Writes a README's TypeScript blocks as files next to the README (so they resolve packages the
 * way code in that directory would: `@celerity/*` by name, through the workspace's `source`
 * condition) and type-checks them with the compiler API under the repository's strict
 * tsconfig.base.json. Diagnostics point at README lines.
 */
import { mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import ts from 'typescript';
import { describeBlock, type ReadmeBlock } from './readme-blocks.js';

/** A README's blocks written to disk. */
export interface SnippetFolder {
  readonly readme: string;
  /** Absolute path of the folder holding the block files. */
  readonly dir: string;
  readonly blocks: readonly ReadmeBlock[];
}

/**
 * `<README's directory>/.readme-snippets/<purpose>`, emptied, with every block saved under its
 * file name (after `transform`, e.g. pointing URLs at a scratch database).
 */
export function writeSnippets(
  root: string,
  readme: string,
  blocks: readonly ReadmeBlock[],
  purpose: string,
  transform: (code: string, block: ReadmeBlock) => string = (code) => code,
): SnippetFolder {
  const dir = join(root, dirname(readme), '.readme-snippets', purpose);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = new Set(blocks.map((b) => b.file));
  for (const block of blocks) writeFileSync(join(dir, block.file), `${rerootImports(transform(block.code, block), files)}\n`);
  return { readme, dir, blocks };
}

/**
 * A block reads as a file in the README's directory: a relative import that names no other block
 * (`./harness/redis.js` in tests/interop) is pointed two levels up, out of `.readme-snippets/<purpose>`.
 * Only the specifier changes, so line numbers stay the README's.
 */
export function rerootImports(code: string, files: ReadonlySet<string>): string {
  return code.replace(/(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]+)\2/g, (whole, lead: string, quote: string, spec: string) => {
    const sibling = /^\.\/([\w.-]+)\.js$/.exec(spec);
    if (sibling && files.has(`${sibling[1]}.ts`)) return whole;
    return `${lead}${quote}${posix.join('../..', spec)}${quote}`;
  });
}

/** Removes a folder {@link writeSnippets} made, and its `.readme-snippets` parent when empty. */
export function removeSnippets(folder: SnippetFolder): void {
  rmSync(folder.dir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(folder.dir));
  } catch {
    // another purpose's folder is still there
  }
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configFile = join(root, 'tsconfig.base.json');
  const read = ts.readConfigFile(configFile, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configFile);
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  return { ...parsed.options, noEmit: true, declaration: false, declarationMap: false, sourceMap: false };
}

/**
 * Type-checks every folder's blocks in one program. Returns, per block (by `describeBlock`), its
 * diagnostics as `README.md:<line>:<column> TS<code>: <message>`; an empty list means it compiles.
 */
export function typecheckSnippets(root: string, folders: readonly SnippetFolder[]): Map<string, string[]> {
  const files = new Map<string, { block: ReadmeBlock; folder: SnippetFolder }>();
  for (const folder of folders) for (const block of folder.blocks) files.set(join(folder.dir, block.file), { block, folder });
  const program = ts.createProgram([...files.keys()], compilerOptions(root));
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (global.length > 0) throw new Error(global.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  const results = new Map<string, string[]>();
  for (const [path, { block }] of files) {
    const source = program.getSourceFile(path);
    if (!source) throw new Error(`${describeBlock(block)}: not in the program`);
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    results.set(
      describeBlock(block),
      diagnostics.map((d) => {
        const { line, character } = d.start === undefined ? { line: 0, character: 0 } : source.getLineAndCharacterOfPosition(d.start);
        return `${block.readme}:${block.line + line + 1}:${character + 1} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      }),
    );
  }
  return results;
}
