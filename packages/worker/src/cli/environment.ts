/** What the commands share: adapter loading, module loading, URL display. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { Adapter, CelerityConfig, Serializer, TaskDefinition } from '@celerity/core';
import { ConfigurationError, defineConfig } from '@celerity/core';
import { KNOWN_BACKEND_PACKAGES, KNOWN_BROKER_PACKAGES, isTaskDefinition, suggestScheme, urlScheme } from '@celerity/core/internal';
import { CommandError } from './cli-errors.js';
import { userStackFrames } from './internal-frames.js';

/** An environment variable, with an empty value read as unset (`VAR= celerity …` clears it). */
function fromEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Broker and backend URLs from flags, then Celerity's and Celery's environment variables. */
export function brokerUrlFrom(flag: string | undefined): string {
  return flag ?? fromEnv('CELERITY_BROKER_URL') ?? fromEnv('CELERY_BROKER_URL') ?? 'memory://';
}
export function backendUrlFrom(flag: string | undefined): string | undefined {
  return flag ?? fromEnv('CELERITY_RESULT_BACKEND') ?? fromEnv('CELERY_RESULT_BACKEND');
}

function requireFromCwd(): NodeJS.Require {
  return createRequire(resolve(process.cwd(), 'package.json'));
}

/** The URL of an installed package: from the application's directory, else from where this command is installed. */
export function resolveInstalled(pkg: string): string | undefined {
  try {
    return pathToFileURL(requireFromCwd().resolve(pkg)).href;
  } catch {
    try {
      return import.meta.resolve(pkg);
    } catch {
      return undefined;
    }
  }
}

/**
 * The adapter package a URL's scheme needs, imported from the application's directory (or from
 * where this command is installed), and its adapter of that kind; undefined for `memory://`,
 * which needs none. A scheme no package provides, or whose package is not installed, is an error
 * worded for the command line: "did you mean redis://?" for a mistyped one, the package to
 * install otherwise.
 */
async function adapterFor(url: string, kind: Adapter['kind']): Promise<Adapter | undefined> {
  const scheme = urlScheme(url);
  if (scheme === 'memory') return undefined;
  const what = kind === 'broker' ? 'broker' : 'result backend';
  const known = kind === 'broker' ? KNOWN_BROKER_PACKAGES : KNOWN_BACKEND_PACKAGES;
  const pkg = known[scheme];
  if (!pkg) {
    const schemes = ['memory', ...Object.keys(known)];
    const meant = suggestScheme(scheme, schemes);
    const hint = meant ? `did you mean ${meant}://?` : `known schemes: ${schemes.map((s) => `${s}://`).join(', ')}`;
    throw new Error(`unknown ${what} URL scheme ${scheme}:// (${hint})`);
  }
  const href = resolveInstalled(pkg);
  if (href === undefined) throw new Error(`the ${what} URL scheme ${scheme}:// needs ${pkg}, which is not installed (npm install ${pkg})`);
  const mod = (await import(href)) as { brokerAdapter?: Adapter; backendAdapter?: Adapter };
  const adapter = kind === 'broker' ? mod.brokerAdapter : mod.backendAdapter;
  if (adapter?.kind !== kind) throw new Error(`${pkg} has no ${kind === 'broker' ? 'brokerAdapter' : 'backendAdapter'} export`);
  return adapter;
}

/**
 * The adapters the broker and backend URLs need, found by scheme among the installed packages.
 * Throws, with one line to show the user, for an unknown scheme or a package not installed.
 */
export async function loadAdapters(brokerUrl: string, backendUrl: string | undefined): Promise<Adapter[]> {
  const found = [await adapterFor(brokerUrl, 'broker'), backendUrl === undefined ? undefined : await adapterFor(backendUrl, 'backend')];
  return found.filter((a): a is Adapter => a !== undefined);
}

/**
 * Optional serializers found installed next to the application (msgpack): from the current
 * directory's project, or from `near` (a file path, e.g. the tasks module) when given.
 */
export async function loadOptionalSerializers(near?: string): Promise<Serializer[]> {
  try {
    const resolveFrom = (require: NodeJS.Require): string => require.resolve('@celerity/serializer-msgpack');
    let resolved: string;
    try {
      resolved = resolveFrom(requireFromCwd());
    } catch (error) {
      if (near === undefined) throw error;
      resolved = resolveFrom(createRequire(near));
    }
    const mod = (await import(pathToFileURL(resolved).href)) as { createMsgpackSerializer?: () => Serializer };
    return mod.createMsgpackSerializer ? [mod.createMsgpackSerializer()] : [];
  } catch {
    return [];
  }
}

/**
 * The URL of tsx's ESM `register` API, found through its package.json from the application's
 * directory, then from here. Not `resolve('tsx/esm/api')`: a CommonJS resolver (and some bundlers)
 * pick its CommonJS twin, which cannot be imported inside a worker thread.
 */
export function tsxRegisterUrl(): string {
  for (const from of [requireFromCwd(), createRequire(import.meta.url)]) {
    let manifest: string;
    try {
      manifest = from.resolve('tsx/package.json');
    } catch {
      continue;
    }
    const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, { import?: { default?: string } } | undefined> };
    return pathToFileURL(join(dirname(manifest), exports?.['./esm/api']?.import?.default ?? 'dist/esm/api/index.mjs')).href;
  }
  throw new Error('Loading a .ts module needs tsx: install it (pnpm add -D tsx) or pass a compiled .js module');
}

/** Set once tsx is registered in this thread (its hooks are per thread). */
let typeScriptLoaderRegistered = false;

/** Makes `.ts` modules importable through tsx when no loader is active yet. */
async function ensureTypeScriptLoader(): Promise<void> {
  if (typeScriptLoaderRegistered) return;
  // A process started with tsx has it; a worker thread does not, whatever its process's options.
  if (isMainThread && (process.execArgv.some((a) => a.includes('tsx')) || (process.env['NODE_OPTIONS'] ?? '').includes('tsx'))) return;
  const api = (await import(tsxRegisterUrl())) as { register: () => void };
  api.register();
  typeScriptLoaderRegistered = true;
}

/** Tells the loader above that tsx is already registered in this thread (a pool thread started from sources). */
export function noteTypeScriptLoaderRegistered(): void {
  typeScriptLoaderRegistered = true;
}

/**
 * Imports a module the user named (`-A`, `--config`). A file that is not there, or that throws while
 * it is imported, is a {@link CommandError}: one line naming the file (and the line the error came
 * from), followed by the stack frames of the user's code, without ours, Node's or the loader's.
 */
export async function importUserModule(specifier: string): Promise<Record<string, unknown>> {
  const path = isAbsolute(specifier) ? specifier : resolve(process.cwd(), specifier);
  if (!existsSync(path)) throw new CommandError(`cannot find module ${specifier} (no file ${path})`);
  if (/\.[cm]?tsx?$/.test(path)) await ensureTypeScriptLoader();
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const frames = userStackFrames(e.stack ?? '');
    const where = /\(?((?:file:\/\/)?\/[^():]+:\d+:\d+)\)?$/.exec(frames[0] ?? '')?.[1]?.replace(/^file:\/\//, '');
    const message = e.message.replace(/\s*\n\s*/g, ' ').trim();
    throw new CommandError(`${specifier} failed to import${where ? ` at ${where}` : ''}: ${e.name}: ${message}`, 1, frames.map((f) => `    ${f}`).join('\n'));
  }
}

/** Imports the application module and returns the task definitions it exports. */
export async function loadTaskModule(specifier: string): Promise<{ path: string; tasks: TaskDefinition[] }> {
  const mod = await importUserModule(specifier);
  const tasks = Object.values(mod).filter(isTaskDefinition);
  const fromDefault = mod['default'] && typeof mod['default'] === 'object' ? Object.values(mod['default'] as Record<string, unknown>).filter(isTaskDefinition) : [];
  return { path: specifier, tasks: [...new Set([...tasks, ...fromDefault])] };
}

/**
 * Imports a configuration module (`--config`): its default export, else its `config` export, checked
 * by `defineConfig` (a bad setting is a ConfigurationError naming it).
 */
export async function loadConfigModule(specifier: string): Promise<CelerityConfig> {
  const mod = await importUserModule(specifier);
  const config = mod['default'] ?? mod['config'];
  if (typeof config !== 'object' || config === null) throw new ConfigurationError(`${specifier} exports no configuration (a default export or \`config\`, e.g. export default defineConfig({ … }))`);
  return defineConfig(config as CelerityConfig);
}
