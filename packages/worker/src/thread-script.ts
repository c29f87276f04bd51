/**
 * Starting a `node:worker_threads` thread on one of this package's modules, compiled or from
 * sources. Run from sources (tests, `--conditions=source`), the module is a .ts file: a thread
 * cannot be given one even with tsx in its execArgv, so the thread registers tsx, then imports it.
 */
import { tsxRegisterUrl } from './cli/environment.js';

/** The URL of module `name` (without extension) beside `from` (an `import.meta.url`), .ts or .js as `from` is. */
export function siblingModule(from: string, name: string): URL {
  return new URL(from.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`, from);
}

/** Whether `entry` is run from sources (and so needs tsx and the `source` condition). */
export function fromSource(entry: URL): boolean {
  return entry.href.endsWith('.ts');
}

/** The code to `eval` in a new thread to run `entry`. */
export function threadScript(entry: URL): string {
  if (!fromSource(entry)) return `import(${JSON.stringify(entry.href)})`;
  const tsx = tsxRegisterUrl();
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
}

/** The thread's `execArgv`: the `source` condition when run from sources. */
export function threadExecArgv(entry: URL): string[] {
  return fromSource(entry) ? ['--conditions=source'] : [];
}
