/**
 * A private RabbitMQ node for fault tests (stop it, crash it, start it again, or give it a config
 * the shared server must not have), never the shared one on 5672. It runs `rabbitmq-server` in the
 * foreground in its own process group with its own node name, ports, data and log directories, an
 * empty plugin list (no management port), its own `rabbitmq.conf` (the system one pins port 5672),
 * its own env file and its own HOME (its own Erlang cookie). Durable queues and persistent messages
 * survive a stop and start, as on a real restart. With `root` it runs the `rabbitmq-server` of a
 * chroot instead (another RabbitMQ version, e.g. Debian trixie's 4.0), its directories inside the
 * chroot's /tmp; it registers with the machine's epmd like any node. Node built-ins only (the chaos
 * harness runs it).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { randomSuffix } from './helpers.js';

/** Options of {@link startRabbitServer}. */
export interface RabbitServerOptions {
  /** Extra `rabbitmq.conf` lines, e.g. `['consumer_timeout = 5000']`. @default [] */
  config?: readonly string[];
  /**
   * An `advanced.config` (Erlang terms) for settings `rabbitmq.conf` has no key for, e.g.
   * `[{rabbit, [{channel_tick_interval, 1000}]}].` @default none
   */
  advancedConfig?: string;
  /** How long to wait for AMQP to answer, in milliseconds. @default 90000 */
  startTimeout?: number;
  /**
   * A chroot whose `/usr/lib/rabbitmq/bin/rabbitmq-server` runs the node (needs root), e.g.
   * `/var/cache/celerity/trixie`. @default none: the machine's own RabbitMQ
   */
  root?: string;
  /**
   * The Erlang cookie, written to the node's `$HOME/.erlang.cookie`: nodes that are to form a
   * cluster need the same one (see rabbitmq-cluster.ts). @default a cookie of its own
   */
  cookie?: string;
}

/** A running (or stopped) private RabbitMQ node. */
export interface RabbitServer extends AsyncDisposable {
  /** `amqp://guest:guest@127.0.0.1:<port>//` */
  readonly url: string;
  readonly port: number;
  /** The Erlang VM's process id while it runs (from its pid file). */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** The node's log file (a path on this machine, also with `root`). */
  readonly logFile: string;
  /** The Erlang node name, `celerity-test-<random>@localhost` (what `rabbitmqctl -n` takes). */
  readonly nodeName: string;
  /**
   * Runs `rabbitmqctl -n <node> <args>` (the chroot's with `root`) with the node's environment and
   * cookie; resolves with its standard output, rejects with its standard error.
   */
  ctl(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** Orderly shutdown (SIGTERM, SIGKILL after 20 s); resolves when the node has exited. */
  stop(): Promise<void>;
  /** Abrupt death (SIGKILL), like a crash; resolves when the node has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data; resolves once it answers AMQP. */
  start(): Promise<void>;
  /** `kill()` (`crash`) or `stop()` (`graceful`), then `start()`. */
  restart(mode: 'crash' | 'graceful'): Promise<void>;
  /** Stops it and deletes its directories. */
  dispose(): Promise<void>;
}

const BINARY = existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') ? '/usr/lib/rabbitmq/bin/rabbitmq-server' : 'rabbitmq-server';
const CHROOT_BINARY = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const CTL = existsSync('/usr/lib/rabbitmq/bin/rabbitmqctl') ? '/usr/lib/rabbitmq/bin/rabbitmqctl' : 'rabbitmqctl';
const CHROOT_CTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';
const STOP_GRACE_MS = 20_000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A test run that dies must not leave nodes behind.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) signalGroup(child, 'SIGKILL');
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Polls until the port answers AMQP, `deadline` (epoch ms) at the latest; false when it never did. */
export async function waitForAmqp(port: number, deadline: number): Promise<boolean> {
  while (!(await amqpAnswers(port))) {
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
  return true;
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

/**
 * Starts a private RabbitMQ node on free ports (5–20 s).
 * @example
 * await using rabbit = await startRabbitServer({ config: ['consumer_timeout = 5000'] });
 * await rabbit.restart('crash');
 */
export async function startRabbitServer(options: RabbitServerOptions = {}): Promise<RabbitServer> {
  installExitHook();
  // resolve() drops a trailing slash, so the paths inside are `dir` without it.
  const root = options.root === undefined ? undefined : resolve(options.root);
  const dir = await mkdtemp(join(root === undefined ? tmpdir() : join(root, 'tmp'), 'celerity-rabbitmq-'));
  // The paths the node is given, as it sees them (inside the chroot with `root`).
  const nodeDir = root === undefined ? dir : dir.slice(root.length);
  const [port, distPort] = [await freePort(), await freePort()];
  const pidFile = join(dir, 'rabbitmq.pid');
  const nodeName = `celerity-test-${randomSuffix()}@localhost`;
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  // Erlang refuses a cookie file that others can read.
  if (options.cookie !== undefined) await writeFile(join(dir, '.erlang.cookie'), options.cookie, { mode: 0o400 });
  await writeFile(join(dir, 'rabbitmq.conf'), [`listeners.tcp.default = 127.0.0.1:${port}`, 'loopback_users = none', ...(options.config ?? [])].join('\n') + '\n');
  if (options.advancedConfig !== undefined) await writeFile(join(dir, 'advanced.config'), options.advancedConfig + '\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: nodeDir,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(nodeDir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(nodeDir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(nodeDir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(nodeDir, 'rabbitmq.conf'),
    // The system's env file names the shared node; ours must not read it.
    RABBITMQ_CONF_ENV_FILE: join(nodeDir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(nodeDir, 'rabbitmq.pid'),
    ...(options.advancedConfig !== undefined ? { RABBITMQ_ADVANCED_CONFIG_FILE: join(nodeDir, 'advanced.config') } : {}),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const timeout = options.startTimeout ?? 90_000;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let vmPid: number | undefined;
  let output = '';

  const start = async (): Promise<void> => {
    if (child !== undefined) return;
    output = '';
    vmPid = undefined;
    await rm(pidFile, { force: true });
    // Its own process group: stop() and kill() reach the wrapper script and the Erlang VM alike.
    const [command, args] = root === undefined ? [BINARY, []] : ['chroot', [root, CHROOT_BINARY]];
    const spawned = spawn(command, args, { env, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = spawned;
    live.add(spawned);
    const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-4000));
    spawned.stdout?.on('data', keep);
    spawned.stderr?.on('data', keep);
    exited = new Promise((resolve) =>
      spawned.once('exit', () => {
        live.delete(spawned);
        if (child === spawned) child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + timeout;
    while (!(await amqpAnswers(port))) {
      if (child !== spawned) throw new Error(`rabbitmq-server exited while starting; logs in ${dir}/log:\n${output.slice(-2000)}`);
      if (Date.now() > deadline) {
        signalGroup(spawned, 'SIGKILL');
        throw new Error(`rabbitmq-server did not answer AMQP within ${timeout} ms; logs in ${dir}/log:\n${output.slice(-2000)}`);
      }
      await sleep(250);
    }
    vmPid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim()) || undefined;
  };

  const stop = async (): Promise<void> => {
    if (child === undefined) return;
    const stopping = child;
    signalGroup(stopping, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(stopping, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    vmPid = undefined;
  };

  const kill = async (): Promise<void> => {
    if (child === undefined) return;
    signalGroup(child, 'SIGKILL');
    await exited;
    vmPid = undefined;
  };

  const dispose = async (): Promise<void> => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };

  const ctl = (args: readonly string[], timeoutMs = 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const [command, prefix] = root === undefined ? [CTL, []] : ['chroot', [root, CHROOT_CTL]];
      execFile(command, [...prefix, '-n', nodeName, ...args], { env, cwd: dir, timeout: timeoutMs }, (error, stdout, stderr) => {
        if (error) reject(new Error(`rabbitmqctl ${args.join(' ')} on ${nodeName} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      });
    });

  await start();
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}//`,
    port,
    get pid() {
      return vmPid;
    },
    get running() {
      return child !== undefined;
    },
    logFile: join(dir, 'log', `${nodeName}.log`),
    nodeName,
    ctl,
    stop,
    kill,
    start,
    async restart(mode) {
      await (mode === 'crash' ? kill() : stop());
      await start();
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
