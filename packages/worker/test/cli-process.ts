/**
 * Running the `celerity` command as a user does, from its sources: to completion (exit code,
 * stdout, stderr, with optional stdin) or in the background (a worker), with no broker or backend
 * URL inherited from the environment unless the test gives one.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const NODE_ARGS = ['--conditions=source', '--import', 'tsx', cli];
const URL_VARIABLES = ['CELERITY_BROKER_URL', 'CELERITY_RESULT_BACKEND', 'CELERY_BROKER_URL', 'CELERY_RESULT_BACKEND'];

/** How a run ended. `signal` is set when it was killed. */
export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Written to stdin, which is then closed; stdin is closed at once when absent. */
  input?: string;
  /** Kill after this many ms. @default 30000 */
  timeout?: number;
}

function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of URL_VARIABLES) delete env[name];
  // Plain output: these tests read what a script would.
  delete env['FORCE_COLOR'];
  return { ...env, ...extra };
}

/** Starts `celerity …` in the background. */
export function spawnCelerity(args: readonly string[], options: RunOptions = {}): ChildProcessWithoutNullStreams & { output: () => string } {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { env: environment(options.env), stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return Object.assign(child, { output: () => output });
}

/** Runs `celerity …` to its end. */
export function celerity(args: readonly string[], options: RunOptions = {}): Promise<Outcome> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { env: environment(options.env), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 30_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
