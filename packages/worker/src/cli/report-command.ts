/**
 * `celerity report`: what to paste into a bug report, like Celery's `celery report` — the versions
 * of Node and of the Celerity packages installed, the platform, the broker and backend, the app
 * module's tasks (with -A), and the settings in force with secrets hidden.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, release } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { redactUrl } from '@celerity/core/internal';
import { UsageError } from './cli-errors.js';
import { loadCommandSettings } from './command-settings.js';
import { loadTaskModule } from './environment.js';

const HELP = `Usage: celerity report [options]

Prints what a bug report needs: versions, platform, broker and backend, settings (secrets hidden).

Options:
  -A, --app <module>           Also list the tasks this module exports
      --config <module>        Configuration module whose settings are shown (env CELERITY_CONFIG_MODULE)
  -b, --broker <url>           Broker URL (env CELERITY_BROKER_URL, CELERY_BROKER_URL)
      --result-backend <url>   Result backend URL (env CELERITY_RESULT_BACKEND, CELERY_RESULT_BACKEND)
  -j, --json                   Print the report as JSON
  -h, --help                   Show this help
`;

/** The global options (before the command) `report` reads. */
export const REPORT_GLOBALS: ReadonlySet<string> = new Set(['app', 'broker', 'result-backend', 'config']);

const PACKAGES = ['core', 'worker', 'client', 'broker-redis', 'broker-amqp', 'backend-redis', 'redis-common', 'serializer-msgpack'].map((p) => `@celerity/${p}`);

/** Setting names whose values Celery's report hides (its HIDDEN_SETTINGS), in camelCase or not. */
const HIDDEN = /api|token|key|secret|pass|signature|database/i;

/** The version of each Celerity package found from the current directory, else from this one. */
function installedVersions(): Record<string, string> {
  const found: Record<string, string> = {};
  const requires = [createRequire(resolve(process.cwd(), 'package.json')), createRequire(import.meta.url)];
  for (const name of PACKAGES) {
    for (const from of requires) {
      try {
        const manifest = JSON.parse(readFileSync(from.resolve(`${name}/package.json`), 'utf8')) as { version?: string };
        found[name] = manifest.version ?? 'unknown';
        break;
      } catch {
        // not installed where this resolver looks
      }
    }
  }
  return found;
}

/**
 * A setting's value as the report shows it: URLs without their password, secrets as ********, as
 * Celery's report does inside dicts too (`brokerTransportOptions: { sentinel_kwargs: { password } }`).
 */
function shown(key: string, value: unknown): unknown {
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return redactUrl(value);
  if (HIDDEN.test(key) && value !== null && value !== undefined && typeof value !== 'object') return '********';
  if (Array.isArray(value)) return value.map((item) => shown('', item));
  // Plain objects only: a RegExp route or a class instance prints as JSON would print it.
  const proto = typeof value === 'object' && value !== null ? (Object.getPrototypeOf(value) as unknown) : undefined;
  if (proto === Object.prototype || proto === null) return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, shown(k, v)]));
  return value;
}

export async function runReportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: 'string', short: 'A' },
      config: { type: 'string' },
      broker: { type: 'string', short: 'b' },
      'result-backend': { type: 'string' },
      json: { type: 'boolean', short: 'j' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals.join(' ')}'`);
  const { config, brokerUrl: broker, backendUrl: backend } = await loadCommandSettings({ config: values.config, broker: values.broker, resultBackend: values['result-backend'] });
  const tasks = values.app === undefined ? undefined : (await loadTaskModule(values.app)).tasks.map((t) => t.name).sort();
  const settings = Object.fromEntries(
    Object.entries(config)
      .filter(([, value]) => typeof value !== 'function' && value !== undefined)
      .filter(([key]) => key !== 'hooks')
      .map(([key, value]) => [key, shown(key, value)]),
  );
  const report = {
    software: { node: process.version, ...installedVersions() },
    platform: { system: platform(), arch: arch(), kernel: release() },
    settings: { transport: redactUrl(broker), results: backend === undefined ? 'disabled://' : redactUrl(backend) },
    ...(values.app === undefined ? {} : { app: values.app, tasks }),
    config: settings,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const software = Object.entries(report.software).map(([name, version]) => `${name.replace('@celerity/', '')}:${version}`);
  const lines = [
    `software -> ${software.join(' ')}`,
    `platform -> system:${report.platform.system} arch:${report.platform.arch} kernel version:${report.platform.kernel}`,
    `settings -> transport:${report.settings.transport} results:${report.settings.results}`,
  ];
  if (values.app !== undefined) lines.push(`app      -> ${values.app}`, `tasks    -> ${tasks && tasks.length > 0 ? tasks.join(', ') : '(none)'}`);
  lines.push('');
  for (const [key, value] of Object.entries(settings)) lines.push(`${key}: ${JSON.stringify(value)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
