/**
 * @celerity/dashboard-ui — the built page of `celerity dashboard`. The page itself (index.html and
 * hashed assets with relative URLs) is made by `vite build`; this module only says where it lies, so
 * the server (`@celerity/dashboard`) serves it without a build step at run time.
 */
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the folder holding the built page: `index.html` and `assets/`. The same path from
 * `src/` (workspace source condition) and from `dist/`: both resolve `../dist/`.
 * @example
 * import { assetsDir } from '@celerity/dashboard-ui';
 * const html = await readFile(join(assetsDir, 'index.html'), 'utf8');
 */
export const assetsDir: string = fileURLToPath(new URL('../dist/', import.meta.url));
