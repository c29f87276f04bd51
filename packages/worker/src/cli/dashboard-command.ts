/**
 * `celerity dashboard`: serves @celerity/dashboard (an optional package, loaded when the command
 * runs) for the broker's workers, queues and tasks. Its history lives in Redis (--store; the broker
 * when it is Redis). Bound to anything but loopback, it needs --token or --basic-auth.
 */
import { parseArgs } from 'node:util';
import type { Adapter, Logger } from '@celerity/core';
import { UsageError } from './cli-errors.js';
import { backendUrlFrom, brokerUrlFrom, loadAdapters, resolveInstalled } from './environment.js';
import { createCommandLogger, logFormatOf, toLevel } from './observability.js';

const HELP = `Usage: celerity dashboard [options]

Serves a live web dashboard of the workers (Celery's started with -E, and Celerity's with events
on), queues and tasks, with actions (revoke, retry, purge, dead-letter replay, rate limits, pool
size, shutdown). Needs @celerity/dashboard installed. The task history is kept in Redis (--store),
so the dashboard can restart and several of them show the same; one writes at a time.

Options:
      --port <n>             Port (default 5555; 0 for any free one)
      --host <addr>          Address to listen on (default 127.0.0.1); any other needs --token or --basic-auth
  -b, --broker <url>         Broker URL (env CELERITY_BROKER_URL)
      --result-backend <url> Result backend (env CELERITY_RESULT_BACKEND): group ids of canvas trees, retry arguments
      --store <url>          Redis for the history (env CELERITY_DASHBOARD_STORE_URL; default: the broker, if Redis)
      --prefix <p>           Key prefix in the store (default celerity:dashboard:)
      --token <t>            Require this token (env CELERITY_DASHBOARD_TOKEN): open /?token=<t> once
      --basic-auth <u:p>     Require HTTP basic auth with this user and password
      --max-tasks <n>        Most tasks kept in the history (default 10000)
      --max-age <s>          Seconds a task is kept after its last event (default 86400)
      --read-only            Refuse every action
  -Q, --queues <a,b>         Queues always listed (besides those workers consume)
  -l, --loglevel <level>     debug, info, warning, error (default info)
  -h, --help                 Show this help
`;

/** What the command needs of @celerity/dashboard (typed here: the worker package does not depend on it). */
export interface DashboardModule {
  startDashboard(options: Record<string, unknown>): Promise<{ readonly url: string; close(): Promise<void> }>;
  parseBasicAuth(value: string): { username: string; password: string };
}

function wholeNumber(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}, got '${value}'`);
  return n;
}

/** The dashboard's options from the command line (adapters and logger aside). */
export function dashboardOptionsOf(argv: string[], env: NodeJS.ProcessEnv = process.env): { options: Record<string, unknown>; help: boolean; loglevel: string | undefined } {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      broker: { type: 'string', short: 'b' },
      'result-backend': { type: 'string' },
      store: { type: 'string' },
      prefix: { type: 'string' },
      token: { type: 'string' },
      'basic-auth': { type: 'string' },
      'max-tasks': { type: 'string' },
      'max-age': { type: 'string' },
      'read-only': { type: 'boolean' },
      queues: { type: 'string', short: 'Q' },
      loglevel: { type: 'string', short: 'l' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const token = values.token ?? (env['CELERITY_DASHBOARD_TOKEN'] || undefined);
  if (token !== undefined && values['basic-auth'] !== undefined) throw new UsageError('--token and --basic-auth are two ways to require auth; give one of them');
  if (token !== undefined && token.length < 8) throw new UsageError('--token must be at least 8 characters');
  const basic = values['basic-auth'];
  if (basic !== undefined && !/^[^:]+:.+$/.test(basic)) throw new UsageError('--basic-auth must be user:password');
  const maxTasks = wholeNumber('max-tasks', values['max-tasks'], 1);
  const maxAge = wholeNumber('max-age', values['max-age'], 1);
  const brokerUrl = brokerUrlFrom(values.broker);
  const port = wholeNumber('port', values.port, 0) ?? 5555;
  if (port > 65535) throw new UsageError(`--port must be 0-65535, got '${values.port ?? ''}'`);
  const options: Record<string, unknown> = {
    broker: brokerUrl,
    port,
    host: values.host ?? '127.0.0.1',
    readOnly: values['read-only'] === true,
  };
  const backend = backendUrlFrom(values['result-backend']);
  if (backend !== undefined) options['backend'] = backend;
  const store = values.store ?? (env['CELERITY_DASHBOARD_STORE_URL'] || undefined);
  if (store !== undefined) options['store'] = store;
  if (values.prefix !== undefined) options['storePrefix'] = values.prefix;
  if (token !== undefined) options['auth'] = { token };
  if (basic !== undefined) options['basicAuth'] = basic;
  if (maxTasks !== undefined || maxAge !== undefined) options['retention'] = { ...(maxTasks === undefined ? {} : { maxTasks }), ...(maxAge === undefined ? {} : { maxAgeSeconds: maxAge }) };
  if (values.queues !== undefined) options['queues'] = values.queues.split(',').map((q) => q.trim()).filter((q) => q !== '');
  return { options, help: values.help === true, loglevel: values.loglevel };
}

/** @celerity/dashboard, found as `resolve` finds installed packages; a one-line error when it is not installed. */
export async function importDashboard(resolve: (pkg: string) => string | undefined = resolveInstalled): Promise<DashboardModule> {
  const href = resolve('@celerity/dashboard');
  if (href === undefined) throw new Error('celerity dashboard needs @celerity/dashboard, which is not installed (npm install @celerity/dashboard)');
  return (await import(href)) as DashboardModule;
}

/** Exits at Ctrl+C / SIGTERM: resolves with 130 / 143. */
function untilInterrupted(): Promise<number> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve(130));
    process.once('SIGTERM', () => resolve(143));
  });
}

export async function runDashboardCommand(argv: string[]): Promise<number> {
  const { options, help, loglevel } = dashboardOptionsOf(argv);
  if (help) {
    process.stdout.write(HELP);
    return 0;
  }
  const mod = await importDashboard();
  const logger: Logger = createCommandLogger(logFormatOf(undefined, process.stderr.isTTY === true), toLevel(loglevel ?? 'info'));
  const adapters: Adapter[] = await loadAdapters(options['broker'] as string, options['backend'] as string | undefined);
  const { basicAuth, ...rest } = options;
  const auth = typeof basicAuth === 'string' ? { basic: mod.parseBasicAuth(basicAuth) } : rest['auth'];
  const interrupted = untilInterrupted();
  const server = await mod.startDashboard({ ...rest, ...(auth === undefined ? {} : { auth }), adapters, logger });
  process.stdout.write(`celerity dashboard on ${server.url}\n`);
  try {
    return await interrupted;
  } finally {
    await server.close();
  }
}
