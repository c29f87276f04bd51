/**
 * A private RabbitMQ node for fault tests (stop it mid-run, start it again), never the shared one.
 * It runs `rabbitmq-server` in the foreground as a child process with its own node name, ports,
 * data and log directories, an empty plugin list (no management port), its own config file (the
 * system one pins port 5672) and its own HOME (its own Erlang cookie). Durable queues and
 * persistent messages survive `stop()` + `start()`, as on a real restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { freePort, randomSuffix } from '@celerity/testing';
import { sleep } from '@celerity/testing/internal';

/** A running (or stopped) private RabbitMQ node. */
export interface RabbitServer {
  /** `amqp://guest:guest@127.0.0.1:<port>//` */
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  /** Stops the node (SIGTERM, then SIGKILL after 20 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the node at once (SIGKILL), like a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts AMQP connections. */
  start(): Promise<void>;
  /** Stops it and deletes its directories. */
  dispose(): Promise<void>;
}

const BINARY = existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') ? '/usr/lib/rabbitmq/bin/rabbitmq-server' : 'rabbitmq-server';
const START_TIMEOUT_MS = 90_000;
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
});

async function accepting(url: string): Promise<boolean> {
  try {
    const connection = await amqp.connect(url, { timeout: 2000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a private RabbitMQ node on free ports (about 5–15 s).
 * @example
 * const server = await startRabbitServer();
 * await server.stop(); await server.start(); await server.dispose();
 */
export async function startRabbitServer(): Promise<RabbitServer> {
  const dir = await mkdtemp(join(tmpdir(), 'celerity-rabbitmq-'));
  const [port, distPort] = [await freePort(), await freePort()];
  const node = `celerity-test-${randomSuffix()}@localhost`;
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const url = `amqp://guest:guest@127.0.0.1:${port}//`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async (): Promise<void> => {
    if (child !== undefined) return;
    output = '';
    const spawned = spawn(BINARY, [], { env, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = spawned;
    running.add(spawned);
    spawned.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    spawned.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    exited = new Promise((resolve) =>
      spawned.once('exit', () => {
        running.delete(spawned);
        if (child === spawned) child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await accepting(url))) {
      if (child !== spawned) throw new Error(`rabbitmq-server exited while starting:\n${output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`rabbitmq-server did not accept connections within ${START_TIMEOUT_MS} ms:\n${output.slice(-2000)}`);
      await sleep(250);
    }
  };

  const signal = (name: NodeJS.Signals): void => {
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, name);
      } catch {
        // already gone
      }
    }
  };

  const stop = async (): Promise<void> => {
    if (child === undefined) return;
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  const kill = async (): Promise<void> => {
    if (child === undefined) return;
    signal('SIGKILL');
    await exited;
  };

  await start();
  return {
    url,
    port,
    get running() {
      return child !== undefined;
    },
    stop,
    kill,
    start,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
