/**
 * Starts a private `redis-server` on a free port for fault tests (connection loss, restart, a
 * password), so they never touch the shared server; the bench runs on one too. With `root` it runs
 * a server binary of a chroot instead (another version, e.g. Debian trixie's Redis 8.0 or Valkey
 * 8.1, for the server matrix). The only launcher in the repository: it uses node built-ins alone,
 * so the bench can run it compiled.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { openRedisSocket, respCommand, tlsOnlyArgs, type RedisServerTls } from './redis-socket.js';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Port to listen on. @default a free port chosen by the OS */
  port?: number;
  /** Address to bind. @default '127.0.0.1' */
  host?: string;
  /** The server binary (a path inside the chroot with `root`), e.g. `/usr/bin/valkey-server`. @default 'redis-server' */
  binary?: string;
  /**
   * A config file, passed as the first argument (`redis-server <file> …`). Sentinel mode
   * (`args: ['--sentinel']`) needs one: it writes what it learns back to it. @default none
   */
  configFile?: string;
  /**
   * A chroot to run `binary` in (needs root), e.g. `/var/cache/celerity/trixie`; its `--dir` is
   * the chroot's `/tmp`. @default none: the binary on this machine's PATH
   */
  root?: string;
  /** Extra command-line arguments, e.g. `['--maxmemory', '10mb']`. @default [] */
  args?: readonly string[];
  /** Starts the server with `--requirepass` (the readiness check authenticates). @default none */
  password?: string;
  /** How long to wait for the server to answer, in milliseconds. @default 10000 */
  startTimeout?: number;
  /**
   * Serve TLS only: `port` is the TLS port (`--port 0 --tls-port <port>`, replication over TLS too),
   * `url` is `rediss://…`, and the start-up check talks TLS with these files. @default plain TCP
   */
  tls?: RedisServerTls;
}

/** A running (or stopped) private Redis server. */
export interface RedisServer extends AsyncDisposable {
  /** `redis://host:port` (without the password, if one was set); `rediss://host:port` with `tls`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The server process id while it runs. */
  readonly pid: number | undefined;
  /** The server's version: `valkey_version` for Valkey (whose `redis_version` is a fixed 7.2.4), else `redis_version`. */
  readonly version: string;
  /** `valkey` or `redis`, from INFO's `server_name` (Redis has none). */
  readonly product: string;
  readonly running: boolean;
  /** Graceful shutdown (SIGTERM); resolves when the process has exited. */
  stop(): Promise<void>;
  /** Abrupt death (SIGKILL), like a crashed server; resolves when the process has exited. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (stopping it first if it runs); resolves once it answers. */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test run that crashes must not leave servers behind holding ports.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

interface ServerInfo {
  pid: number;
  version: string;
  product: string;
}

/**
 * The process id and version of the Redis answering on host:port, or undefined when none answers.
 * Checking the pid (not just PING) keeps us from mistaking another server on a taken port for ours.
 */
function serverInfo(host: string, port: number, password: string | undefined, tls: RedisServerTls | undefined): Promise<ServerInfo | undefined> {
  return new Promise((resolve) => {
    const socket = openRedisSocket(host, port, tls, () => socket.write(`${password === undefined ? '' : respCommand('AUTH', password)}${respCommand('INFO', 'server')}`));
    let answer = '';
    const done = (info: ServerInfo | undefined): void => {
      socket.destroy();
      resolve(info);
    };
    socket.setTimeout(1000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.startsWith('-')) return done(undefined); // e.g. LOADING
      const pid = /process_id:(\d+)\r\n/.exec(answer);
      const version = /redis_version:([^\r\n]+)\r\n/.exec(answer);
      // INFO's fields come in one reply: when redis_version is there, so are the others.
      const valkey = /valkey_version:([^\r\n]+)\r\n/.exec(answer)?.[1];
      const product = /server_name:([^\r\n]+)\r\n/.exec(answer)?.[1] ?? 'redis';
      if (pid && version) done({ pid: Number(pid[1]), version: valkey ?? version[1] ?? 'unknown', product });
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `redis-server --port N --save "" --appendonly no` as a child process and resolves once it
 * answers (checked by pid, so a server already on that port is not mistaken for it).
 * With `password`, clients must authenticate (`redis://:<password>@host:port`).
 * @example
 * const redis = await startRedisServer();
 * try { await redis.kill(); await redis.restart(); } finally { await redis.stop(); }
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const host = options.host ?? '127.0.0.1';
  const binary = options.binary ?? 'redis-server';
  const startTimeout = options.startTimeout ?? 10_000;
  const port = options.port ?? (await freePort(host));
  let child: ChildProcess | undefined;
  let version = 'unknown';
  let product = 'redis';

  const launch = async (): Promise<void> => {
    const auth = options.password === undefined ? [] : ['--requirepass', options.password];
    const listen = options.tls === undefined ? ['--port', String(port)] : tlsOnlyArgs(port, options.tls);
    const args = [...(options.configFile === undefined ? [] : [options.configFile]), ...listen, '--bind', host, '--save', '', '--appendonly', 'no', '--dir', options.root === undefined ? tmpdir() : '/tmp', ...auth, ...(options.args ?? [])];
    // chroot(8) execs the binary, so the pid INFO reports is still the child's.
    const [command, argv] = options.root === undefined ? [binary, args] : ['chroot', [options.root, binary, ...args]];
    const proc = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    installExitHook();
    live.add(proc);
    child = proc;
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let failure: Error | undefined;
    proc.once('error', (error) => (failure = error));
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      failure ??= new Error(`redis-server exited (code ${code}, signal ${signal}) before answering PING:\n${output}`);
    });
    const deadline = Date.now() + startTimeout;
    for (;;) {
      if (failure) throw failure;
      const info = proc.pid === undefined ? undefined : await serverInfo(host, port, options.password, options.tls);
      if (info !== undefined && info.pid === proc.pid) {
        version = info.version;
        product = info.product;
        return;
      }
      if (Date.now() >= deadline) {
        proc.kill('SIGKILL');
        await waitExit(proc);
        throw new Error(`redis-server on ${host}:${port} did not answer PING within ${startTimeout} ms:\n${output}`);
      }
      await sleep(25);
    }
  };

  const isRunning = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || !isRunning()) return;
    proc.kill(signal);
    if (signal === 'SIGKILL') return waitExit(proc);
    // A graceful stop that hangs becomes a kill, so a test's cleanup always finishes.
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await waitExit(proc);
    clearTimeout(timer);
  };

  await launch();

  const server: RedisServer = {
    url: `${options.tls === undefined ? 'redis' : 'rediss'}://${host}:${port}`,
    host,
    port,
    get pid() {
      return isRunning() ? child?.pid : undefined;
    },
    get version() {
      return version;
    },
    get product() {
      return product;
    },
    get running() {
      return isRunning();
    },
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
    async [Symbol.asyncDispose]() {
      await terminate('SIGTERM');
    },
  };
  return server;
}
