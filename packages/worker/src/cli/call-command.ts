/** `celerity call` and `celerity result`: send a task by name, read a result. */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { Adapter, ResultMeta } from '@celerity/core';
import { PROPAGATE_STATES, createBackendFromUrl, createBrokerFromUrl, createJsonSerializer, createSerializerRegistry, encodeTaskMessage } from '@celerity/core';
import { backendUrlFrom, brokerUrlFrom, loadAdapters, loadOptionalSerializers } from './environment.js';

const CALL_HELP = `Usage: celerity call <task-name> [options]

Options:
  -a, --args <json>            Positional arguments as a JSON array (default: [])
  -k, --kwargs <json>          Keyword arguments as a JSON object (default: {})
  -Q, --queue <name>           Queue (default: celery)
      --countdown <s>          Run no earlier than this many seconds from now
      --eta <iso-date>         Run no earlier than this time
      --expires <s>            Revoke if not started within this many seconds
      --priority <0-9>         Message priority
      --serializer <name>      json (default) or msgpack
  -b, --broker <url>           Broker URL (env CELERITY_BROKER_URL)
      --result-backend <url>   Result backend (env CELERITY_RESULT_BACKEND); with --wait
  -w, --wait                   Wait for the result and print it
      --timeout <s>            With --wait: give up after this many seconds (default: 60)
  -h, --help                   Show this help
`;

const RESULT_HELP = `Usage: celerity result <task-id> [options]

Waits for the task's result and prints it as JSON; exits 1 if the task failed.

Options:
      --result-backend <url>   Result backend (env CELERITY_RESULT_BACKEND)
      --timeout <s>            Give up after this many seconds (default: 60)
      --no-wait                Print the current state instead of waiting
  -h, --help                   Show this help
`;

function parseJson(flag: string, text: string | undefined, fallback: unknown): unknown {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`--${flag} is not valid JSON: ${(error as Error).message}`);
  }
}

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
    if (meta.traceback) process.stderr.write(meta.traceback);
    return 1;
  }
  process.stdout.write(`${JSON.stringify(meta.result)}\n`);
  return 0;
}

async function waitFor(backendUrl: string | undefined, adapters: readonly Adapter[], id: string, timeoutSeconds: number): Promise<number> {
  if (!backendUrl) throw new Error('waiting for a result needs --result-backend or CELERITY_RESULT_BACKEND');
  const backend = createBackendFromUrl(backendUrl, { adapters });
  try {
    return printMeta(await backend.wait(id, { timeout: timeoutSeconds }));
  } finally {
    await backend.close();
  }
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
      broker: { type: 'string', short: 'b' },
      'result-backend': { type: 'string' },
      wait: { type: 'boolean', short: 'w' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const name = requiredPositional('call', 'a task name', CALL_HELP, values.help, positionals);
  if (typeof name === 'number') return name;
  const args = parseJson('args', values.args, []);
  const kwargs = parseJson('kwargs', values.kwargs, {});
  if (!Array.isArray(args)) throw new Error('--args must be a JSON array');
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) throw new Error('--kwargs must be a JSON object');
  const brokerUrl = brokerUrlFrom(values.broker);
  const backendUrl = backendUrlFrom(values['result-backend']);
  const adapters = await loadAdapters(brokerUrl, backendUrl);
  const registry = createSerializerRegistry([createJsonSerializer(), ...(await loadOptionalSerializers())]);
  const serializer = registry.get(values.serializer ?? 'json');
  const id = crypto.randomUUID();
  const countdown = values.countdown === undefined ? undefined : Number(values.countdown);
  const eta = values.eta ? new Date(values.eta) : countdown !== undefined ? new Date(Date.now() + countdown * 1000) : null;
  const expires = values.expires === undefined ? null : new Date(Date.now() + Number(values.expires) * 1000);
  const queue = values.queue ?? 'celery';
  const broker = createBrokerFromUrl(brokerUrl, { adapters });
  try {
    await broker.declareQueue(queue);
    const envelope = encodeTaskMessage(
      {
        task: name,
        id,
        args,
        kwargs: kwargs as Record<string, unknown>,
        eta,
        expires,
        origin: `gen${process.pid}@${hostname()}`,
        ...(values.priority !== undefined ? { priority: Number(values.priority) } : {}),
      },
      { serializer },
    );
    await broker.publish({ queue }, envelope);
  } finally {
    await broker.close();
  }
  process.stdout.write(`${id}\n`);
  if (!values.wait) return 0;
  return waitFor(backendUrl, adapters, id, Number(values.timeout ?? 60));
}

export async function runResultCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'result-backend': { type: 'string' },
      timeout: { type: 'string' },
      'no-wait': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const id = requiredPositional('result', 'a task id', RESULT_HELP, values.help, positionals);
  if (typeof id === 'number') return id;
  const backendUrl = backendUrlFrom(values['result-backend']);
  if (!backendUrl) throw new Error('celerity result needs --result-backend or CELERITY_RESULT_BACKEND');
  const adapters = await loadAdapters('memory://', backendUrl);
  if (values['no-wait']) {
    const backend = createBackendFromUrl(backendUrl, { adapters });
    try {
      const meta = await backend.get(id);
      process.stdout.write(`${JSON.stringify(meta ?? { status: 'PENDING', task_id: id })}\n`);
      return 0;
    } finally {
      await backend.close();
    }
  }
  return waitFor(backendUrl, adapters, id, Number(values.timeout ?? 60));
}
