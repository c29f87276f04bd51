// Nothing in the repository reaches into another workspace package's src/ or dist/ by path: code
// imports packages by name (their `exports`, with the `source` condition in tests). The second
// block shows the check catches each form of the violation and lets the allowed paths through.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPathImports, pathImportsInScripts, pathImportsInSource, workspacePackages, type WorkspacePackage } from './workspace-imports.js';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

describe('imports between workspace packages', () => {
  it('finds the workspace packages', () => {
    const packages = workspacePackages(root);
    expect(packages).toContainEqual({ name: '@celerity/core', dir: 'packages/core' });
    expect(packages).toContainEqual({ name: '@celerity/example', dir: 'apps/example' });
    expect(packages).toContainEqual({ name: '@celerity/bench', dir: 'bench' });
  });

  it("no file or script reaches into another package's src/ or dist/ by path", () => {
    // This file's own fixtures below are violations on purpose.
    const found = findPathImports(root, ['tests/imports/workspace-imports.test.ts']).map((f) => `${f.file}:${f.line}: '${f.path}' reaches into ${f.reaches}; import the package by name`);
    expect(found).toEqual([]);
    // Reads every source file of the repository: ~4 s alone, more beside other test files.
  }, 60_000);
});

describe('the check itself', () => {
  const packages: WorkspacePackage[] = [
    { name: '@celerity/core', dir: 'packages/core' },
    { name: '@celerity/worker', dir: 'packages/worker' },
    { name: '@celerity/example', dir: 'apps/example' },
  ];
  const fakeRoot = '/repo';
  const reaches = (file: string, text: string) => pathImportsInSource(file, text, packages, fakeRoot).map((f) => [f.line, f.path, f.reaches]);

  it('catches relative, absolute and file: paths into src/ and dist/, in imports and in other literals', () => {
    expect(reaches('packages/worker/src/a.ts', "import { x } from '../../core/src/index.js';")).toEqual([[1, '../../core/src/index.js', '@celerity/core src/']]);
    expect(reaches('packages/worker/test/a.ts', "\nexport * from '../../core/dist/index.js';")).toEqual([[2, '../../core/dist/index.js', '@celerity/core dist/']]);
    expect(reaches('apps/example/src/run.ts', "const cli = fileURLToPath(new URL('../../../packages/worker/src/cli.ts', import.meta.url));")).toEqual([
      [1, '../../../packages/worker/src/cli.ts', '@celerity/worker src/'],
    ]);
    expect(reaches('tests/x/a.ts', "await import('/repo/packages/core/src/index.ts');\nconst u = 'file:///repo/packages/core/dist/index.js';")).toEqual([
      [1, '/repo/packages/core/src/index.ts', '@celerity/core src/'],
      [2, 'file:///repo/packages/core/dist/index.js', '@celerity/core dist/'],
    ]);
    expect(reaches('tests/x/a.ts', 'const p = `../../packages/core/src`;')).toEqual([[1, '../../packages/core/src', '@celerity/core src/']]);
  });

  it('lets through a package reaching into its own src/, imports by name, and paths outside any src/ or dist/', () => {
    expect(reaches('packages/core/test/a.test.ts', "import { x } from '../src/index.js';")).toEqual([]);
    expect(reaches('packages/worker/src/cli/a.ts', "import { x } from '@celerity/core/internal';\nimport { y } from '../worker.js';")).toEqual([]);
    expect(reaches('apps/example/test/a.ts', "import { r } from '../../../tests/interop/harness/redis.js';")).toEqual([]);
    expect(reaches('bench/test/a.ts', "const frame = 'file:///elsewhere/packages/core/src/x.ts'; const text = 'packages/core/src/x.ts';")).toEqual([]);
    expect(reaches('packages/worker/test/a.ts', "import { s } from '../../core/test/helpers.js';")).toEqual([]);
  });

  it('reads package.json scripts', () => {
    const scripts = (file: string, s: Record<string, string>) => pathImportsInScripts(file, JSON.stringify({ scripts: s }), packages).map((f) => [f.file, f.path, f.reaches]);
    expect(scripts('apps/example/package.json', { worker: 'node --import tsx ../../packages/worker/src/cli.ts worker', start: 'node --import tsx src/run.ts' })).toEqual([
      ['apps/example/package.json (script "worker")', '../../packages/worker/src/cli.ts', '@celerity/worker src/'],
    ]);
    expect(scripts('package.json', { celerity: 'bash scripts/bootstrap.sh && node packages/worker/dist/cli.js', ok: 'node scripts/celerity.ts && pnpm --filter @celerity/example start' })).toEqual([
      ['package.json (script "celerity")', 'packages/worker/dist/cli.js', '@celerity/worker dist/'],
    ]);
  });
});
