/**
 * Redis `MONITOR` over a raw socket, for tests that assert which commands a client sent. Written by
 * hand rather than with ioredis' `monitor()`: on a server busy with other tests, the first monitored
 * line can arrive in the same read as MONITOR's `+OK`, before ioredis switches the connection to
 * monitoring, and ioredis then fails with "Command queue state error".
 */
import { openRedisSocket, respCommand } from './redis-socket.js';

/** One command the server ran, as MONITOR printed it. */
export interface MonitoredCommand {
  /** The client's address (`127.0.0.1:50514`), or `lua` for a command a script ran. */
  source: string;
  /** The database the command ran on. */
  db: number;
  /** The command name (as sent) and its arguments. */
  args: string[];
}

/** A running MONITOR; see {@link monitorRedis}. */
export interface RedisMonitor {
  /** Every command seen so far, oldest first. */
  readonly commands: MonitoredCommand[];
  /** Ends the MONITOR connection. */
  stop(): Promise<void>;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };

/**
 * One MONITOR line (`+1796659196.215954 [0 127.0.0.1:41108] "get" "key"`, without `+` and CRLF);
 * null for a line of another shape. Arguments are unquoted as Redis quoted them (`\"`, `\\`, `\n`,
 * `\xHH`…).
 */
export function parseMonitorLine(line: string): MonitoredCommand | null {
  const open = line.indexOf('[');
  const close = line.indexOf(']', open);
  if (open < 0 || close < 0) return null;
  const [db, ...source] = line.slice(open + 1, close).split(' ');
  const args: string[] = [];
  let at = close + 1;
  while (at < line.length) {
    const start = line.indexOf('"', at);
    if (start < 0) break;
    let value = '';
    let i = start + 1;
    for (; i < line.length && line[i] !== '"'; i++) {
      if (line[i] !== '\\') {
        value += line[i];
      } else if (line[i + 1] === 'x') {
        value += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        value += ESCAPES[line[i + 1] ?? ''] ?? line[i + 1] ?? '';
        i += 1;
      }
    }
    args.push(value);
    at = i + 1;
  }
  return { source: source.join(' '), db: Number(db), args };
}

/**
 * Starts MONITOR on the Redis at `url` (`redis://[user:password@]host:port`) and resolves once the
 * server confirmed it: every command run after that is in `commands`.
 * @example
 * const monitor = await monitorRedis('redis://127.0.0.1:6379');
 * // … the code under test …
 * await monitor.stop();
 * expect(monitor.commands.filter((c) => c.args[0]?.toLowerCase() === 'get')).toHaveLength(1);
 */
export function monitorRedis(url: string): Promise<RedisMonitor> {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  const auth = password === '' ? '' : parsed.username === '' ? respCommand('AUTH', password) : respCommand('AUTH', decodeURIComponent(parsed.username), password);
  const commands: MonitoredCommand[] = [];
  // Replies before the monitored lines: AUTH's, then MONITOR's `+OK`.
  let replies = auth === '' ? 1 : 2;
  let pending = '';
  return new Promise((resolve, reject) => {
    const socket = openRedisSocket(parsed.hostname || '127.0.0.1', Number(parsed.port || 6379), undefined, () => socket.write(auth + respCommand('MONITOR')));
    const stop = (): Promise<void> =>
      new Promise((done) => {
        if (socket.destroyed) return done();
        socket.once('close', () => done());
        socket.destroy();
      });
    // Before the `+OK` an error fails the start; after it the monitor just stops hearing.
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (line.startsWith('-')) {
          socket.destroy();
          reject(new Error(`MONITOR on ${parsed.host}: ${line.slice(1)}`));
          return;
        }
        if (replies > 0) {
          replies--;
          if (replies === 0) resolve({ commands, stop });
          continue;
        }
        const command = parseMonitorLine(line.slice(1));
        if (command !== null) commands.push(command);
      }
    });
  });
}
