/**
 * A private RabbitMQ node on free ports, with its own node name, data and log directories, config
 * (only its own listener) and no plugins, so it can be killed and restarted without touching the
 * shared server on 5672. Start-up takes 15–20 s on a busy machine.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@celerity/testing';
import { sleep } from '@celerity/testing/internal';

/** A private RabbitMQ node. */
export interface RabbitNode extends AsyncDisposable {
  /** `amqp://guest:guest@127.0.0.1:<port>//`. */
  readonly url: string;
  readonly port: number;
  /** The Erlang VM's pid while it runs. */
  readonly pid: number | undefined;
  /**
   * Stops the Erlang VM (`crash`: SIGKILL; `graceful`: SIGTERM, RabbitMQ's orderly shutdown) and
   * starts it again on the same ports and data; resolves once AMQP answers.
   */
  restart(mode: 'crash' | 'graceful'): Promise<void>;
  /** Graceful stop (SIGTERM), then removes its directories. */
  close(): Promise<void>;
}

/** Options of {@link startRabbitNode}. */
export interface RabbitNodeOptions {
  /** Milliseconds to wait for AMQP to answer. @default 90000 */
  startTimeout?: number;
  /** Extra `rabbitmq.conf` lines. */
  config?: readonly string[];
}

/** Whether something on the port answers the AMQP 0-9-1 header with a method frame (Connection.Start). */
function amqpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.once('data', (chunk: Buffer) => done(chunk[0] === 1));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * @example
 * await using rabbit = await startRabbitNode();
 * await rabbit.restart('crash');
 */
export async function startRabbitNode(options: RabbitNodeOptions = {}): Promise<RabbitNode> {
  const port = await freePort();
  const distPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'celerity-chaos-rabbit-'));
  const config = join(dir, 'rabbitmq.conf');
  writeFileSync(config, [`listeners.tcp.local = 127.0.0.1:${port}`, 'loopback_users = none', ...(options.config ?? [])].join('\n') + '\n');
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const pidFile = join(dir, 'pid');
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: `celerity-chaos-${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: config,
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    // The system's env file names the shared node; ours must not read it.
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: pidFile,
  };
  const timeout = options.startTimeout ?? 90_000;
  let script: ChildProcess | undefined;
  let vmPid: number | undefined;
  const live = new Set<number>();
  // A crashed harness must not leave a node running.
  const killAll = (): void => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killAll);

  const launch = async (): Promise<void> => {
    rmSync(pidFile, { force: true });
    // The wrapper in /usr/lib/rabbitmq/bin runs as the current user (root here); /usr/sbin's would switch users.
    const child = spawn('/usr/lib/rabbitmq/bin/rabbitmq-server', [], { env, stdio: 'ignore' });
    script = child;
    if (child.pid !== undefined) live.add(child.pid);
    const deadline = Date.now() + timeout;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`rabbitmq-server exited with code ${child.exitCode}; logs in ${dir}/log`);
      if (vmPid === undefined) {
        try {
          vmPid = Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
          if (vmPid !== undefined) live.add(vmPid);
        } catch {
          // not written yet
        }
      }
      if (await amqpAnswers(port)) return;
      if (Date.now() > deadline) throw new Error(`RabbitMQ on ${port} did not answer within ${timeout} ms; logs in ${dir}/log`);
      await sleep(250);
    }
  };

  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    const pid = vmPid;
    vmPid = undefined;
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, signal);
      const deadline = Date.now() + 30_000;
      while (alive(pid) && Date.now() < deadline) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      live.delete(pid);
    }
    if (script !== undefined) {
      await exited(script);
      if (script.pid !== undefined) live.delete(script.pid);
    }
  };

  try {
    await launch();
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
  const close = async (): Promise<void> => {
    await stop('SIGTERM');
    process.removeListener('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}//`,
    port,
    get pid() {
      return vmPid;
    },
    async restart(mode) {
      await stop(mode === 'crash' ? 'SIGKILL' : 'SIGTERM');
      await launch();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
