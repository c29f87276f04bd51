/**
 * `inspect conf` and `inspect report`: the worker's settings under Celery's setting names
 * (`app.conf.table()`), and Celery's bug-report text (`app.bugreport()`) with Celerity's software
 * and platform lines. URLs are shown without their passwords.
 */
import { arch, release, type } from 'node:os';
import { redactUrl } from '@celerity/core/internal';
import { CELERITY_VERSION } from '../package-version.js';


/** One setting: its Celery name, the value configured (undefined = not set) and the value in effect. */
export type Setting = readonly [name: string, configured: unknown, effective: unknown];

const shown = (value: unknown): unknown => (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? redactUrl(value) : value);

/** The settings set (or, with `withDefaults`, every one listed) as `{name: value}`, JSON-safe. */
export function confReply(settings: readonly Setting[], withDefaults: boolean): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  for (const [name, configured, effective] of settings) {
    const value = configured === undefined ? (withDefaults ? effective : undefined) : configured;
    if (value !== undefined) table[name] = JSON.parse(JSON.stringify(shown(value) ?? null)) as unknown;
  }
  return table;
}

/** Celery's `bugreport()` layout. */
export function reportText(settings: readonly Setting[], transport: string, results: string): string {
  const lines = [
    `software -> celerity:${CELERITY_VERSION} node:${process.versions.node}`,
    `platform -> system:${type()} arch:${arch()}`,
    `            kernel version:${release()} imp:Node.js`,
    `settings -> transport:${transport} results:${results}`,
    '',
  ];
  for (const [name, value] of Object.entries(confReply(settings, false))) lines.push(`${name}: ${JSON.stringify(value)}`);
  return `${lines.join('\n')}\n`;
}
