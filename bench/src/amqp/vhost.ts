/**
 * A fresh vhost on the shared RabbitMQ (127.0.0.1:5672, guest/guest) for one bench invocation, made
 * with `rabbitmqctl` (no management plugin here) and deleted at the end, so the bench never sees
 * another run's queues and leaves nothing behind.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The vhost of one run. */
export interface BenchVhost extends AsyncDisposable {
  name: string;
  /** `amqp://guest:guest@127.0.0.1:5672/<vhost>`. */
  url: string;
  /** RabbitMQ's version, as `rabbitmqctl` reports it. */
  version: string;
  close(): Promise<void>;
}

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout.trim();
}

/**
 * Creates `celerity-bench-<random>` with full permissions for guest.
 * @example
 * await using vhost = await createBenchVhost();
 */
export async function createBenchVhost(host = '127.0.0.1:5672'): Promise<BenchVhost> {
  const name = `celerity-bench-${randomBytes(4).toString('hex')}`;
  await rabbitmqctl('add_vhost', name);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await rabbitmqctl('delete_vhost', name);
  };
  try {
    await rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
    const version = await rabbitmqctl('version').catch(() => 'unknown');
    return { name, url: `amqp://guest:guest@${host}/${encodeURIComponent(name)}`, version, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
