/** What the commands share: adapter loading, module loading, URL display. */
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Serializer, TaskDefinition } from '@celerity/core';
import { autoloadAdapters, isTaskDefinition } from '@celerity/core';

/** Broker and backend URLs from flags, then Celerity's and Celery's environment variables. */
export function brokerUrlFrom(flag: string | undefined): string {
  return flag ?? process.env['CELERITY_BROKER_URL'] ?? process.env['CELERY_BROKER_URL'] ?? 'memory://';
}
export function backendUrlFrom(flag: string | undefined): string | undefined {
  return flag ?? process.env['CELERITY_RESULT_BACKEND'] ?? process.env['CELERY_RESULT_BACKEND'];
}

/** Registers the adapter packages the URLs need (when installed). */
export async function loadAdapters(brokerUrl: string, backendUrl: string | undefined): Promise<void> {
  await autoloadAdapters(brokerUrl, 'broker');
  if (backendUrl) await autoloadAdapters(backendUrl, 'backend');
}

function requireFromCwd(): NodeJS.Require {
  return createRequire(resolve(process.cwd(), 'package.json'));
}

/** Optional serializers found installed next to the application (msgpack). */
export async function loadOptionalSerializers(): Promise<Serializer[]> {
  try {
    const resolved = requireFromCwd().resolve('@celerity/serializer-msgpack');
    const mod = (await import(pathToFileURL(resolved).href)) as { createMsgpackSerializer?: () => Serializer };
    return mod.createMsgpackSerializer ? [mod.createMsgpackSerializer()] : [];
  } catch {
    return [];
  }
}

/** Makes `.ts` modules importable through tsx when no loader is active yet. */
async function ensureTypeScriptLoader(): Promise<void> {
  if (process.execArgv.some((a) => a.includes('tsx')) || (process.env['NODE_OPTIONS'] ?? '').includes('tsx')) return;
  let apiUrl: string;
  try {
    apiUrl = pathToFileURL(requireFromCwd().resolve('tsx/esm/api')).href;
  } catch {
    try {
      apiUrl = import.meta.resolve('tsx/esm/api');
    } catch {
      throw new Error('Loading a .ts module needs tsx: install it (pnpm add -D tsx) or pass a compiled .js module');
    }
  }
  const api = (await import(apiUrl)) as { register: () => void };
  api.register();
}

/** Imports the application module and returns the task definitions it exports. */
export async function loadTaskModule(specifier: string): Promise<{ path: string; tasks: TaskDefinition[] }> {
  const path = isAbsolute(specifier) ? specifier : resolve(process.cwd(), specifier);
  if (/\.[cm]?tsx?$/.test(path)) await ensureTypeScriptLoader();
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const tasks = Object.values(mod).filter(isTaskDefinition);
  const fromDefault = mod['default'] && typeof mod['default'] === 'object' ? Object.values(mod['default'] as Record<string, unknown>).filter(isTaskDefinition) : [];
  return { path: specifier, tasks: [...new Set([...tasks, ...fromDefault])] };
}
