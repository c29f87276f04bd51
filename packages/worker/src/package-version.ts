/**
 * This package's version, read once from its package.json (next to `src/` and `dist/` alike), for
 * `sw_ver` in worker events, `inspect report` and `celerity --version`.
 */
import { createRequire } from 'node:module';

const manifest = createRequire(import.meta.url)('../package.json') as { version: string };

/** The version of `@celerity/worker`, as in its package.json. */
export const CELERITY_VERSION: string = manifest.version;
