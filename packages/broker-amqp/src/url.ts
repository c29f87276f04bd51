/**
 * Broker URLs the way kombu reads them: `amqp://user:pass@host:port/vhost`, where the path after
 * the first `/` is the virtual host, so `amqp://guest:guest@localhost:5672//` means vhost `/`; and
 * kombu's failover lists, several such URLs joined with `;` (the nodes of a cluster).
 */
import { ConfigurationError } from '@celerity/core';
import { redactUrl } from '@celerity/core/internal';

/** Connection settings parsed from an `amqp://`, `amqps://` or `pyamqp://` URL. */
export interface AmqpUrlOptions {
  /** `amqps` for TLS. */
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  username: string;
  password: string;
  /** The virtual host, decoded (`/` by default). */
  vhost: string;
  /** `?heartbeat=<seconds>` when present. */
  heartbeat?: number;
  /** `?frame_max=<bytes>` (or `frameMax`) when present. */
  frameMax?: number;
  /** `?connection_name=<name>` (or `name`) when present. */
  connectionName?: string;
}

const SCHEMES: Record<string, 'amqp' | 'amqps'> = { amqp: 'amqp', pyamqp: 'amqp', amqps: 'amqps', 'pyamqps': 'amqps' };

function decode(part: string, what: string, url: string): string {
  try {
    return decodeURIComponent(part);
  } catch (error) {
    throw new ConfigurationError(`Invalid ${what} encoding in ${JSON.stringify(redactUrl(url))}`, { cause: error });
  }
}

function nonNegativeInt(value: string | null, name: string, url: string): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigurationError(`URL option ${name} must be a non-negative integer in ${JSON.stringify(redactUrl(url))}`);
  return n;
}

/**
 * Parses a broker URL as kombu does: defaults `localhost`, port 5672 (5671 for `amqps`), user and
 * password `guest`, vhost `/`; an empty path or a single `/` is vhost `/`; the rest of the path,
 * percent-decoded, is the vhost (`//` and `/%2F` both mean `/`). `pyamqp://` is an alias of `amqp://`.
 * With `tls` (Celery's `broker_use_ssl` is set), an `amqp://` URL is read as `amqps://`, port 5671
 * unless it names one, as kombu does.
 * @example
 * parseAmqpUrl('amqp://guest:guest@localhost:5672//'); // { protocol: 'amqp', hostname: 'localhost', port: 5672, vhost: '/', … }
 * parseAmqpUrl('amqps://user:p%40ss@rabbit.example.com/prod?heartbeat=30');
 */
export function parseAmqpUrl(url: string, tls = false): AmqpUrlOptions {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?/i.exec(url);
  if (!match) throw new ConfigurationError(`Invalid AMQP URL ${JSON.stringify(redactUrl(url))}`);
  const scheme = (match[1] ?? '').toLowerCase();
  const named = SCHEMES[scheme];
  if (named === undefined) {
    throw new ConfigurationError(`Unsupported scheme ${scheme}:// for the AMQP broker (use amqp://, amqps:// or pyamqp://)`);
  }
  const protocol = tls ? 'amqps' : named;
  const authority = match[2] ?? '';
  const at = authority.lastIndexOf('@');
  const userInfo = at >= 0 ? authority.slice(0, at) : undefined;
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;

  let username = 'guest';
  let password = 'guest';
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    username = decode(colon >= 0 ? userInfo.slice(0, colon) : userInfo, 'user name', url);
    password = colon >= 0 ? decode(userInfo.slice(colon + 1), 'password', url) : '';
  }

  let hostname = hostPort;
  let portText = '';
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(hostPort);
  if (bracketed) {
    hostname = bracketed[1] ?? '';
    portText = bracketed[2] ?? '';
  } else {
    const colon = hostPort.lastIndexOf(':');
    if (colon >= 0) {
      hostname = hostPort.slice(0, colon);
      portText = hostPort.slice(colon + 1);
    }
  }
  const port = portText === '' ? (protocol === 'amqps' ? 5671 : 5672) : Number(portText);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    // The port's text is not repeated: when a raw `/` or `@` split the password, it is part of it.
    throw new ConfigurationError(`Invalid port in ${JSON.stringify(redactUrl(url))}`);
  }

  const path = match[3] ?? '';
  // kombu: the vhost is everything after the first "/"; nothing (or nothing but that "/") means "/".
  const rawVhost = path.startsWith('/') ? path.slice(1) : path;
  const vhost = rawVhost === '' ? '/' : decode(rawVhost, 'vhost', url);

  const result: AmqpUrlOptions = { protocol, hostname: decode(hostname, 'host', url) || 'localhost', port, username, password, vhost };
  const query = new URLSearchParams(match[4] ?? '');
  const heartbeat = nonNegativeInt(query.get('heartbeat'), 'heartbeat', url);
  if (heartbeat !== undefined) result.heartbeat = heartbeat;
  const frameMax = nonNegativeInt(query.get('frame_max') ?? query.get('frameMax'), 'frame_max', url);
  if (frameMax !== undefined) result.frameMax = frameMax;
  const name = query.get('connection_name') ?? query.get('name');
  if (name !== null && name !== '') result.connectionName = name;
  return result;
}

// A `;` followed by a scheme starts the next URL (a `;` inside a password or query stays put).
const NEXT_URL = /;(?=[a-z][a-z0-9+.-]*:\/\/)/i;

/**
 * Splits a kombu failover list, `amqp://h1//;amqp://h2//`, into its URLs (one URL gives a list of
 * one). Each is read by {@link parseAmqpUrl} on its own: host, port, credentials, vhost and
 * `frame_max` may differ from one to the next.
 * @example
 * splitAmqpUrls('amqp://guest:guest@rabbit1//;amqp://guest:guest@rabbit2//'); // ['amqp://guest:guest@rabbit1//', 'amqp://guest:guest@rabbit2//']
 */
export function splitAmqpUrls(url: string): string[] {
  const parts = url.split(NEXT_URL);
  if (parts.some((part) => part === '')) throw new ConfigurationError(`Empty URL in the failover list ${JSON.stringify(redactUrl(url))}`);
  return parts;
}

/** The endpoints of a URL or failover list, each parsed (as TLS ones with `tls`), for the connection. */
export function amqpEndpoints(url: string, tls = false): Array<{ url: AmqpUrlOptions; displayUrl: string }> {
  return splitAmqpUrls(url).map((part) => ({ url: parseAmqpUrl(part, tls), displayUrl: part }));
}
