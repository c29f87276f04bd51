// The example's worker started with the `celerity` command, as run.ts starts it, for tests that
// drive a different client against it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A running `celerity worker` process of the example. */
export interface CliWorker extends AsyncDisposable {
  /** Everything it printed so far. */
  output(): string;
}

const cli = fileURLToPath(new URL('../src/celerity.ts', import.meta.url));

/**
 * Starts the worker on `env.BROKER_URL` / `env.RESULT_BACKEND` and resolves once it logs `ready.`;
 * disposing it stops it with SIGTERM (warm shutdown) and waits for the exit.
 * @example
 * await using worker = await startCliWorker({ BROKER_URL: url, RESULT_BACKEND: 'rpc://' }, appDir);
 */
export async function startCliWorker(env: Record<string, string>, appDir: string, readyTimeoutMs = 30_000): Promise<CliWorker> {
  const args = ['--conditions=source', '--import', 'tsx', cli, 'worker', '-A', 'src/tasks.ts', '-l', 'info'];
  if (env['BROKER_URL'] !== undefined) args.push('-b', env['BROKER_URL']);
  if (env['RESULT_BACKEND'] !== undefined) args.push('--result-backend', env['RESULT_BACKEND']);
  const child = spawn(process.execPath, args, { cwd: appDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready within ${readyTimeoutMs} ms:\n${output}`)), readyTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/ ready\.(\s*$|")/m.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`worker exited before it was ready:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { output: () => output, [Symbol.asyncDispose]: stop };
}
