/**
 * Runs `tests/interop/py/client.py` under a given Celery version and returns the one JSON line it
 * prints: a task's outcome as Python Celery sees it, or a control reply.
 */
import { join } from 'node:path';
import { pythonEnv, pythonRuntime, type PythonCeleryVersion } from './python-runtime.js';
import { exited, signalGroup, spawnTracked } from './processes.js';

/** What `client.py` printed, plus its exit code. Fields present depend on the command and outcome. */
export interface PythonClientResult {
  /** Task (or group) id. */
  id?: string;
  /** `SUCCESS`, `FAILURE`, `REVOKED`, `STARTED`, … as `AsyncResult.state` reported it. */
  state?: string;
  result?: unknown;
  /** On failure: the exception class name as stored (e.g. `ValueError`). */
  exc_type?: string;
  /** On failure: `str(exception)` as Python rebuilt it (e.g. `boom` for `ValueError('boom')`). */
  exc_message?: string;
  exc_module?: string;
  exc_args?: unknown[];
  traceback?: string | null;
  /** Set when `--timeout` elapsed before the task finished (exit code 3). */
  timeout?: boolean;
  /** `apply` of a group: each member's outcome. */
  members?: PythonClientResult[];
  /** `ping` / `inspect` replies. */
  replies?: unknown;
  /** `watch`: every state seen, in order, and the exception the RETRY state carried (as Python rebuilt it). */
  states?: string[];
  retry?: { exc_type: string; exc_args: unknown[]; traceback: string | null } | null;
  /** Set when reading the result itself failed (state `ERROR`). */
  error?: string;
  error_type?: string;
  exitCode: number | null;
}

/** Options of {@link runPythonClient}. */
export interface RunPythonClientOptions {
  /** Kill the client after this many ms. @default 120_000 */
  timeout?: number;
}

/**
 * Runs `client.py <args…>` with `env` (`BROKER_URL`, `RESULT_BACKEND`, …) and parses its JSON line.
 * Rejects when it prints none (the error carries stderr).
 * @example
 * const out = await runPythonClient('5.2', ['send', 'tasks.add', '[2,3]'], { BROKER_URL: url });
 * expect(out).toMatchObject({ state: 'SUCCESS', result: 5 });
 */
export async function runPythonClient(
  version: PythonCeleryVersion,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  options: RunPythonClientOptions = {},
): Promise<PythonClientResult> {
  const runtime = pythonRuntime(version);
  const argv = [...runtime.python, join(runtime.appDir, 'client.py'), ...args];
  const child = spawnTracked(argv, { env: pythonEnv(runtime.appDir, env) });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const limit = options.timeout ?? 120_000;
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    signalGroup(child, 'SIGKILL');
  }, limit);
  // 'close' waits until the output has been read, 'exit' may come first.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const { code } = await exited(child);
  if (child.pid !== undefined) await closed;
  clearTimeout(timer);
  const what = `client.py ${args.join(' ')} (Celery ${runtime.celery})`;
  if (spawnError) throw new Error(`${what}: ${spawnError.message}`);
  if (killed) throw new Error(`${what}: killed after ${limit} ms\n${stderr}`);
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .pop();
  if (line === undefined) throw new Error(`${what}: exit ${code}, no JSON line\nstdout: ${stdout}\nstderr: ${stderr}`);
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${what}: expected a JSON object, got ${line}`);
  }
  return { ...(parsed as Omit<PythonClientResult, 'exitCode'>), exitCode: code };
}

/** Options of {@link sendFromPython}, named like `apply_async`'s. */
export interface PythonSendOptions {
  kwargs?: Readonly<Record<string, unknown>>;
  queue?: string;
  priority?: number;
  /** Seconds. */
  countdown?: number;
  eta?: Date;
  /** Seconds. */
  expires?: number;
  serializer?: 'json' | 'msgpack';
  taskId?: string;
  /** The message's `retries` header (as if it had been retried that often). */
  retries?: number;
  /** Extra message headers (`apply_async(headers=…)`), e.g. `traceparent`. */
  headers?: Readonly<Record<string, string>>;
  /** `ignore_result=True`: the message's `ignore_result` header. */
  ignoreResult?: boolean;
  /** Seconds `AsyncResult.get` waits. @default 30 */
  wait?: number;
  /** Return right after sending, with only the id. @default false */
  noWait?: boolean;
}

/**
 * Sends a task by name from Python Celery (`app.send_task`) and waits for its outcome.
 * @example
 * const out = await sendFromPython('5.5', 'tasks.fail', ['boom'], { queue }, env);
 * expect(out).toMatchObject({ state: 'FAILURE', exc_type: 'ValueError', exc_message: 'boom' });
 */
export function sendFromPython(
  version: PythonCeleryVersion,
  name: string,
  args: readonly unknown[],
  options: PythonSendOptions = {},
  env: Readonly<Record<string, string>> = {},
): Promise<PythonClientResult> {
  const argv = ['send', name, JSON.stringify(args), JSON.stringify(options.kwargs ?? {})];
  if (options.queue !== undefined) argv.push('--queue', options.queue);
  if (options.priority !== undefined) argv.push('--priority', String(options.priority));
  if (options.countdown !== undefined) argv.push('--countdown', String(options.countdown));
  if (options.eta !== undefined) argv.push('--eta', options.eta.toISOString());
  if (options.expires !== undefined) argv.push('--expires', String(options.expires));
  if (options.serializer !== undefined) argv.push('--serializer', options.serializer);
  if (options.taskId !== undefined) argv.push('--task-id', options.taskId);
  if (options.retries !== undefined) argv.push('--retries', String(options.retries));
  if (options.headers !== undefined) argv.push('--headers', JSON.stringify(options.headers));
  if (options.ignoreResult) argv.push('--ignore-result');
  if (options.noWait) argv.push('--no-wait');
  const wait = options.wait ?? 30;
  argv.push('--timeout', String(wait));
  return runPythonClient(version, argv, env, { timeout: (wait + 60) * 1000 });
}
