/**
 * The page: the built UI of `@celerity/dashboard-ui` (its `assetsDir`), found with a dynamic import
 * so the server works without it — then a plain placeholder page says what to install. Paths that
 * are not files get index.html (the UI routes by hash, so any path shows the app).
 */
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Celerity dashboard</title></head>
<body><h1>Celerity dashboard</h1>
<p>The dashboard's server runs, but its page is not installed: add <code>@celerity/dashboard-ui</code>.</p>
<p>The API answers under <a href="api/overview">api/overview</a>, <a href="api/tasks">api/tasks</a> and <a href="api/series">api/series</a>.</p>
</body></html>
`;

/** The UI's built files directory, or null when @celerity/dashboard-ui is not installed. */
export async function findUiAssets(): Promise<string | null> {
  // A variable specifier: the package is optional, and the compiler must not look for it.
  const specifier = '@celerity/dashboard-ui';
  try {
    const mod = (await import(specifier)) as { assetsDir?: unknown };
    return typeof mod.assetsDir === 'string' ? mod.assetsDir : null;
  } catch {
    return null;
  }
}

/** Serves `path` (already stripped of the mount prefix) from `dir`, or the placeholder when null. */
export async function serveUi(dir: string | null, path: string, res: ServerResponse, headOnly: boolean): Promise<void> {
  if (dir === null) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(headOnly ? undefined : PLACEHOLDER_PAGE);
    return;
  }
  const root = resolve(dir);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = '/';
  }
  let file = resolve(join(root, decoded));
  // Outside the directory (../), a directory, or missing: the app's index.html.
  if (!file.startsWith(root + sep) || !(await stat(file).then((s) => s.isFile(), () => false))) file = join(root, 'index.html');
  const body = await readFile(file).catch(() => null);
  if (body === null) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found');
    return;
  }
  const isIndex = file.endsWith(`${sep}index.html`);
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': isIndex ? 'no-cache' : 'public, max-age=3600' });
  res.end(headOnly ? undefined : body);
}
