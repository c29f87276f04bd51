/** `celerity call` and `celerity result`: send a task by name, read a result. */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { Envelope, ResultBackend, ResultMeta, Serializer } from '@celerity/core';
import { PROPAGATE_STATES, TimeoutError, createJsonSerializer, encodeTaskMessage } from '@celerity/core';
import { CommandError, UsageError, against } from './cli-errors.js';
import { loadCommandSettings, openCommandBackend, openCommandBroker } from './command-settings.js';
import { loadOptionalSerializers, loadTaskModule } from './environment.js';
import { dateFlag, jsonFlag, positiveIntegerFlag, positiveSecondsFlag, priorityFlag, secondsFlag } from './flag-values.js';
import { stripInternalFrames } from './internal-frames.js';
import { startProgress } from './output.js';

const CALL_HELP = `Usage: celerity call <task-name> [options]

Options:
  -a, --args <json>            Positional arguments as a JSON array (default: [])
  -k, --kwargs <json>          Keyword arguments as a JSON object (default: {})
  -Q, --queue <name>           Queue (default: taskDefaultQueue, else celery)
      --countdown <s>          Run no earlier than this many seconds from now
      --eta <iso-date>         Run no earlier than this time
      --expires <s>            Revoke if not started within this many seconds
      --priority <0-255>       Message priority (Redis reads 0-9)
      --serializer <name>      json (default) or msgpack (with @celerity/serializer-msgpack installed)
  -A, --app <module>           Refuse a task name this module does not export
      --count <n>              Send n copies (each its own id, one id a line; a progress bar on a terminal)
  -b, --broker <url>           Broker URL (env CELERITY_BROKER_URL)
      --result-backend <url>   Result backend (env CELERITY_RESULT_BACKEND); with --wait
      --config <module>        Configuration module (env CELERITY_CONFIG_MODULE): brokerUrl,
                               resultBackend, their transport options and TLS settings
  -w, --wait                   Wait for the result and print it (one task only)
      --timeout <s>            With --wait: give up after this many seconds (default: 60)
  -h, --help                   Show this help
`;

const RESULT_HELP = `Usage: celerity result <task-id> [options]

Waits for the task's result and prints it as JSON; exits 1 if the task failed.

Options:
      --result-backend <url>   Result backend (env CELERITY_RESULT_BACKEND)
      --config <module>        Configuration module (env CELERITY_CONFIG_MODULE): resultBackend,
                               resultBackendTransportOptions, redisBackendUseSsl
      --timeout <s>            Give up after this many seconds (default: 60)
      --no-wait                Print the current state instead of waiting
  -h, --help                   Show this help
`;

/** The global options (before the command) `call` and `result` read. */
export const CALL_GLOBALS: ReadonlySet<string> = new Set(['app', 'broker', 'result-backend', 'config']);
export const RESULT_GLOBALS: ReadonlySet<string> = new Set(['result-backend', 'config']);

/** Messages per `publishMany` when sending `--count` copies. */
const BATCH = 500;

/** Handles `--help` and the one required positional: its value, or the exit code to return. */
function requiredPositional(command: string, what: string, help: string, wantsHelp: boolean | undefined, positionals: string[]): string | number {
  if (wantsHelp) {
    process.stdout.write(help);
    return 0;
  }
  const value = positionals[0];
  if (value) return value;
  process.stderr.write(`celerity ${command}: ${what} is required\n\n${help}`);
  return 2;
}

function printMeta(meta: ResultMeta): number {
  if (PROPAGATE_STATES.has(meta.status)) {
    process.stdout.write(`${JSON.stringify({ id: meta.task_id, state: meta.status, result: meta.result })}\n`);
    if (meta.traceback) process.stderr.write(stripInternalFrames(meta.traceback));
    return 1;
  }
  process.stdout.write(`${JSON.stringify(meta.result)}\n`);
  return 0;
}

/** Waits on `backend` (at `backendUrl`) for the result of `id`, prints it, and closes the backend. */
async function waitFor(backend: ResultBackend, backendUrl: string, id: string, timeoutSeconds: number): Promise<number> {
  try {
    const meta = await against(backendUrl, async () => {
      try {
        return await backend.wait(id, { timeout: timeoutSeconds });
      } catch (error) {
        if (error instanceof TimeoutError) throw new CommandError(`no result for task ${id} within ${timeoutSeconds} s (is the id right, and is a worker running it?)`);
        throw error;
      }
    });
    return printMeta(meta);
  } finally {
    await backend.close().catch(() => undefined);
  }
}

/** The serializer named by `--serializer`, or a usage error listing the ones there are. */
async function serializerNamed(name: string): Promise<Serializer> {
  const available = [createJsonSerializer(), ...(await loadOptionalSerializers())];
  const found = available.find((s) => s.name === name || s.contentType === name);
  if (found) return found;
  const hint = name === 'msgpack' ? ' (install @celerity/serializer-msgpack)' : '';
  throw new UsageError(`--serializer: unknown serializer '${name}'${hint}; available: ${available.map((s) => s.name).join(', ')}`);
}

/** The `-a` / `-k` values, checked. */
function callArguments(argsText: string | undefined, kwargsText: string | undefined): { args: unknown[]; kwargs: Record<string, unknown> } {
  const args = jsonFlag('args', argsText, []);
  const kwargs = jsonFlag('kwargs', kwargsText, {});
  if (!Array.isArray(args)) throw new UsageError(`--args takes a JSON array, e.g. '[2, 3]', got ${argsText}`);
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) throw new UsageError(`--kwargs takes a JSON object, e.g. '{"x": 1}', got ${kwargsText}`);
  return { args, kwargs: kwargs as Record<string, unknown> };
}

export async function runCallCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      args: { type: 'string', short: 'a' },
      kwargs: { type: 'string', short: 'k' },
      queue: { type: 'string', short: 'Q' },
      countdown: { type: 'string' },
      eta: { type: 'string' },
      expires: { type: 'string' },
      priority: { type: 'string' },
      serializer: { type: 'string' },
      app: { type: 'string', short: 'A' },
      count: { type: 'string' },
      broker: { type: 'string', short: 'b' },
      'result-backend': { type: 'string' },
      config: { type: 'string' },
      wait: { type: 'boolean', short: 'w' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const name = requiredPositional('call', 'a task name', CALL_HELP, values.help, positionals);
  if (typeof name === 'number') return name;
  // Everything the user typed is checked before anything is sent.
  const { args, kwargs } = callArguments(values.args, values.kwargs);
  const countdown = secondsFlag('countdown', values.countdown);
  const etaDate = dateFlag('eta', values.eta);
  if (countdown !== undefined && etaDate !== undefined) throw new UsageError('--countdown and --eta are two ways to say when: give one');
  const expiresIn = secondsFlag('expires', values.expires);
  const priority = priorityFlag('priority', values.priority);
  const timeout = positiveSecondsFlag('timeout', values.timeout, 60);
  const count = positiveIntegerFlag('count', values.count, 1);
  if (values.wait && count > 1) throw new UsageError('--wait waits for one task; leave it out with --count');
  const serializer = await serializerNamed(values.serializer ?? 'json');
  const settings = await loadCommandSettings({ config: values.config, broker: values.broker, resultBackend: values['result-backend'] });
  const { brokerUrl, backendUrl } = settings;
  if (values.wait && backendUrl === undefined) throw new UsageError('--wait needs a result backend: --result-backend <url> or CELERITY_RESULT_BACKEND (nothing was sent)');
  if (values.app !== undefined) {
    const known = (await loadTaskModule(values.app)).tasks.map((t) => t.name).sort();
    if (!known.includes(name)) throw new CommandError(`unknown task '${name}': ${values.app} exports ${known.length > 0 ? known.join(', ') : 'no tasks'}`);
  }
  const queue = values.queue ?? settings.config.taskDefaultQueue ?? 'celery';
  const eta = etaDate ?? (countdown !== undefined ? new Date(Date.now() + countdown * 1000) : null);
  const expires = expiresIn === undefined ? null : new Date(Date.now() + expiresIn * 1000);
  const origin = `gen${process.pid}@${hostname()}`;
  const message = (id: string): Envelope =>
    encodeTaskMessage({ task: name, id, args, kwargs, eta, expires, origin, ...(priority === undefined ? {} : { priority }) }, { serializer });
  // Both made (not connected) before anything is sent, so a bad setting sends nothing.
  const backend = values.wait ? await openCommandBackend(settings, backendUrl!) : undefined;
  const broker = await openCommandBroker(settings).catch(async (error: unknown) => {
    await backend?.close().catch(() => undefined);
    throw error;
  });
  const ids: string[] = [];
  try {
    await against(brokerUrl, async () => {
      await broker.declareQueue(queue);
      if (count === 1) {
        const id = crypto.randomUUID();
        await broker.publish({ queue }, message(id));
        ids.push(id);
        return;
      }
      const progress = startProgress(`Sending ${name}`, count, BATCH);
      try {
        for (let sent = 0; sent < count; sent += BATCH) {
          const batch = Array.from({ length: Math.min(BATCH, count - sent) }, () => crypto.randomUUID());
          await broker.publishMany(batch.map((id) => ({ target: { queue }, envelope: message(id) })));
          ids.push(...batch);
          progress.advance(batch.length);
        }
      } finally {
        progress.stop();
      }
    });
  } catch (error) {
    await backend?.close().catch(() => undefined);
    throw error;
  } finally {
    await broker.close().catch(() => undefined);
  }
  process.stdout.write(`${ids.join('\n')}\n`);
  if (backend === undefined) return 0;
  return waitFor(backend, backendUrl!, ids[0]!, timeout);
}

export async function runResultCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'result-backend': { type: 'string' },
      config: { type: 'string' },
      timeout: { type: 'string' },
      'no-wait': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const id = requiredPositional('result', 'a task id', RESULT_HELP, values.help, positionals);
  if (typeof id === 'number') return id;
  const timeout = positiveSecondsFlag('timeout', values.timeout, 60);
  const settings = await loadCommandSettings({ config: values.config, resultBackend: values['result-backend'] });
  const { backendUrl } = settings;
  if (!backendUrl) throw new UsageError('celerity result needs --result-backend or CELERITY_RESULT_BACKEND');
  if (values['no-wait']) {
    const backend = await openCommandBackend(settings, backendUrl);
    try {
      const meta = await against(backendUrl, () => backend.get(id));
      process.stdout.write(`${JSON.stringify(meta ?? { status: 'PENDING', task_id: id })}\n`);
      return 0;
    } finally {
      await backend.close().catch(() => undefined);
    }
  }
  return waitFor(await openCommandBackend(settings, backendUrl), backendUrl, id, timeout);
}
