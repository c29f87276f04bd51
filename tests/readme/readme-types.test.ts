// Every TypeScript block of every README.md compiles under the repository's strict settings
// (tsconfig.base.json, workspace packages by name from source), as a file in the README's
// directory; plus the rules of the readme-test annotations. No server needed: the blocks are run
// by readme-run.int.test.ts.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBlock, extractBlocks, readmeBlocks, unusedModules, valueImports, workerApp, type ReadmeBlock } from './readme-blocks.js';
import { removeSnippets, rerootImports, typecheckSnippets, writeSnippets, type SnippetFolder } from './readme-compile.js';
import { PENDING, blockSha, pendingEntry } from './pending.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const all = readmeBlocks(root);
const blocks = [...all.values()].flat();

describe('README blocks: extraction', () => {
  it('finds the READMEs and their blocks', () => {
    expect([...all.keys()]).toContain('README.md');
    expect([...all.keys()]).toContain('packages/client/README.md');
    expect(all.get('README.md')!.map((b) => b.file)).toEqual(['tasks.ts', 'producer.ts', 'celerity.config.ts']);
  });

  it('reads annotations, file names from a first-line comment, and the position of each block', () => {
    const text = [
      '# T',
      '<!-- readme-test: module -->',
      '```ts',
      '// tasks.ts — definitions',
      'export const x = 1;',
      '```',
      '',
      '```bash',
      'echo not typescript',
      '```',
      '<!-- readme-test: worker="-A ./tasks.ts -b redis://localhost:6379/0" prints="8" prints="/^\\d+$/" timeout=5 -->',
      '  ```typescript',
      '  import { x } from "./tasks.js";',
      '  console.log(x);',
      '  ```',
    ].join('\n');
    const [tasks, producer] = extractBlocks('T.md', text);
    expect(tasks).toMatchObject({ index: 1, line: 3, file: 'tasks.ts', module: true, prints: [] });
    expect(producer).toMatchObject({ index: 2, line: 12, file: 'block-2.ts', module: false, worker: '-A ./tasks.ts -b redis://localhost:6379/0', prints: ['8', '/^\\d+$/'], timeout: 5 });
    expect(producer!.code).toBe('import { x } from "./tasks.js";\nconsole.log(x);');
    expect(describeBlock(producer!)).toBe('T.md, block 2 (block-2.ts, line 12)');
    expect(workerApp(producer!.worker!)).toBe('tasks.ts');
  });

  it('refuses annotations it cannot honour', () => {
    expect(() => extractBlocks('T.md', '<!-- readme-test: modul -->\n```ts\nx\n```')).toThrow("unknown readme-test key 'modul'");
    expect(() => extractBlocks('T.md', '<!-- readme-test: module -->\ntext\n```ts\nx\n```')).toThrow('T.md:1: readme-test annotation not followed by a TypeScript block');
    expect(() => extractBlocks('T.md', '<!-- readme-test: module -->\n```sh\nx\n```')).toThrow("annotation on a 'sh' block");
    expect(() => extractBlocks('T.md', '<!-- readme-test: no-run -->\n```ts\nx\n```')).toThrow('no-run needs a reason');
    expect(() => extractBlocks('T.md', '<!-- readme-test: module prints="1" -->\n```ts\nx\n```')).toThrow('worker and prints apply only to a block that runs on its own');
    expect(() => extractBlocks('T.md', '<!-- readme-test: background worker="-A t.ts" -->\n```ts\nx\n```')).toThrow('worker and prints apply only to a block that runs on its own');
    expect(() => extractBlocks('T.md', '```ts\n// a.ts\n```\n```ts\n// a.ts\n```')).toThrow('two blocks are saved as a.ts');
    expect(() => extractBlocks('T.md', '```ts\nx\n')).toThrow('code block never closed');
  });

  it('tells value imports from type-only ones, and re-roots imports of files beside the README', () => {
    expect(valueImports("import type { add } from './tasks.js';\nimport * as t from './more.js';\nimport { type a } from './typed.js';\nawait import('./late.js');")).toEqual([
      'more.ts',
      'typed.ts',
      'late.ts',
    ]);
    expect(rerootImports("import { a } from './tasks.js';\nimport { b } from './harness/redis.js';", new Set(['tasks.ts']))).toBe(
      "import { a } from './tasks.js';\nimport { b } from '../../harness/redis.js';",
    );
  });

  it('knows which module blocks something that runs loads', () => {
    const text = (annotation: string, code: string) => `<!-- readme-test: ${annotation} -->\n\`\`\`ts\n${code}\n\`\`\`\n`;
    const list = extractBlocks(
      'T.md',
      [
        text('module', '// tasks.ts'),
        text('module', '// types.ts'),
        text('module', '// helpers.ts'),
        text('module', "// chain.ts\nimport { h } from './helpers.js';"),
        text('module', '// orphan.ts'),
        text('worker="-A ./tasks.ts" prints="1"', "import type { T } from './types.js';\nimport { c } from './chain.js';"),
        text('no-run="reason"', "import './orphan.js';"),
      ].join(''),
    );
    const runs = (b: ReadmeBlock) => !b.module && b.noRun === undefined;
    expect(unusedModules(list, runs).map((b) => b.file)).toEqual(['types.ts', 'orphan.ts']);
  });

  it('every pending entry still matches a block', () => {
    for (const entry of PENDING) {
      const match = blocks.find((b) => b.readme === entry.readme && blockSha(b.code) === entry.sha);
      expect(match, `tests/readme/pending.ts: no block of ${entry.readme} has sha ${entry.sha} any more: remove the entry`).toBeDefined();
    }
  });
});

describe('README blocks: type-check', () => {
  let folders: SnippetFolder[] = [];
  let results = new Map<string, string[]>();
  beforeAll(() => {
    folders = [...all].filter(([, b]) => b.length > 0).map(([readme, b]) => writeSnippets(root, readme, b, 'typecheck'));
    results = typecheckSnippets(root, folders);
  }, 120_000);
  afterAll(() => folders.forEach(removeSnippets));

  const check = (block: ReadmeBlock): void => {
    const diagnostics = results.get(describeBlock(block));
    expect(diagnostics, `${describeBlock(block)} was not type-checked`).toBeDefined();
    const pending = pendingEntry(block);
    if (pending) {
      expect(diagnostics!.length, `${describeBlock(block)} compiles now: remove its entry from tests/readme/pending.ts`).toBeGreaterThan(0);
    } else {
      expect(diagnostics, `${describeBlock(block)} does not compile:\n${diagnostics!.join('\n')}`).toEqual([]);
    }
  };
  for (const [readme, list] of all) {
    if (list.length === 0) continue;
    describe(readme, () => {
      for (const block of list) it(`block ${block.index} (${block.file}, line ${block.line})${pendingEntry(block) ? ' [pending]' : ''}`, () => check(block));
    });
  }
});
