/**
 * docs/adapters.md and this package's README quote the example adapter: every TypeScript block
 * there must be preceded by `<!-- include: <path>[#<region>] -->` and equal that file (or the
 * lines between its `// #region <region>` and `// #endregion <region>` markers, dedented), so the
 * walkthrough cannot drift from the code that passes the conformance suites.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

/** The lines of a region, with their common indentation removed. */
function region(text: string, name: string, path: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trim() === `// #region ${name}`);
  const end = lines.findIndex((line) => line.trim() === `// #endregion ${name}`);
  if (start < 0 || end < start) throw new Error(`${path} has no region ${name}`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length));
  return body.map((line) => line.slice(indent)).join('\n');
}

interface Block {
  include: string | undefined;
  code: string;
}

function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const match of markdown.matchAll(/(?:<!-- include: (\S+) -->\n)?```ts\n([\s\S]*?)\n```/g)) {
    blocks.push({ include: match[1], code: match[2] ?? '' });
  }
  return blocks;
}

/** Registers a check of every quoted block of a Markdown file. */
function checkQuotes(markdown: string, blocks: Block[]): void {
  for (const block of blocks) {
    if (block.include === undefined) continue;
    const include = block.include;
    it(`${markdown} quotes ${include} as it is`, () => {
      const [path, name] = include.split('#') as [string, string | undefined];
      const text = read(path);
      expect(block.code).toBe(name === undefined ? text.replace(/\n+$/, '') : region(text, name, path));
    });
  }
}

for (const markdown of ['docs/adapters.md', 'packages/testing/README.md']) {
  describe(markdown, () => {
    const blocks = tsBlocks(read(markdown));

    it('has only TypeScript blocks that name their source', () => {
      expect(blocks.length).toBeGreaterThan(0);
      expect(blocks.filter((block) => block.include === undefined).map((block) => block.code.slice(0, 80))).toEqual([]);
    });

    checkQuotes(markdown, blocks);
  });
}

it('docs/adapters.md quotes the adapters, both contracts, the error mapping and the conformance test', () => {
  const files = new Set(tsBlocks(read('docs/adapters.md')).map((block) => block.include?.split('#')[0]));
  for (const file of ['adapter.ts', 'example-broker.ts', 'example-backend.ts', 'errors.ts']) expect(files).toContain(`packages/testing/test/example-adapter/${file}`);
  expect(files).toContain('packages/testing/test/example-adapter.test.ts');
});
