/**
 * The browser tests load the built page (packages/dashboard-ui/dist). `scripts/bootstrap.sh`
 * builds it; a test file run on its own builds it here when it is missing or older than its
 * sources, so a test never runs an old page.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package's folder, found through its `./package.json` export. */
const PACKAGE_DIR = dirname(createRequire(import.meta.url).resolve('@celerity/dashboard-ui/package.json'));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the page unless `dist/index.html` is newer than every file under `src/` and the Vite config. */
export function ensureUiBuilt(): void {
  let built = 0;
  try {
    built = statSync(join(PACKAGE_DIR, 'dist', 'index.html')).mtimeMs;
  } catch {
    // not built yet
  }
  const sources = Math.max(newestSource(join(PACKAGE_DIR, 'src')), statSync(join(PACKAGE_DIR, 'vite.config.ts')).mtimeMs);
  if (built > sources) return;
  execFileSync('pnpm', ['--filter', '@celerity/dashboard-ui', 'build'], { cwd: PACKAGE_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
}
