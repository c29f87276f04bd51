/**
 * Redis Cluster URLs, `rediscluster://[[user]:password@]host:port[,host:port…][/0][?ssl_…]` — the
 * scheme kombu's pending Cluster transport uses. The hosts are startup nodes only: the client learns
 * the rest of the cluster from them. A cluster has one database, so the path may only be empty or
 * `/0`. TLS has no scheme of its own: the `rediss://` query options (`ssl_cert_reqs`,
 * `ssl_ca_certs`…) or Celery's `broker_use_ssl` / `redis_backend_use_ssl` turn it on for every node.
 * Error messages show the URL only through `redactUrl`.
 */
import { ConfigurationError } from '@celerity/core';
import { redactUrl } from '@celerity/core/internal';
import { sslFromSettingAndQuery } from './ssl.js';
import type { RedisSslSettings, RedisTlsOptions } from './ssl.js';

/** The scheme of Redis Cluster URLs. */
export const CLUSTER_SCHEME = 'rediscluster';

/** Settings parsed from a `rediscluster://` URL. */
export interface RedisClusterUrlOptions {
  /** The startup nodes, in the URL's order. */
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  /** TLS for every node (from the query's `ssl_*` options or the `ssl` setting); absent: plain TCP. */
  tls?: RedisTlsOptions;
}

/** Whether `url` names a Redis Cluster (`rediscluster://`, any case). */
export function isClusterUrl(url: string): boolean {
  return /^rediscluster:\/\//i.test(url.trim());
}

function invalid(url: string, why: string): ConfigurationError {
  return new ConfigurationError(`Invalid Redis Cluster URL ${JSON.stringify(redactUrl(url))}: ${why} (expected rediscluster://[[user]:password@]host:port[,host:port…])`);
}

function decode(text: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(url, 'bad percent-encoding in the credentials');
  }
}

/**
 * Parses a `rediscluster://` URL. A node without a port uses 6379; IPv6 hosts go in brackets.
 * Credentials may be percent-encoded and apply to every node. TLS is on when the query has one of
 * the `rediss://` options (`?ssl_cert_reqs=required`, `ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`,
 * `ssl_check_hostname`) or `ssl` (Celery's `broker_use_ssl`) is an object or `true`; the query wins
 * key by key. Each node's certificate is checked against the address connected to.
 * @throws ConfigurationError for another scheme, no host, a bad port, or a database other than 0.
 * @example
 * parseRedisClusterUrl('rediscluster://:secret@10.0.0.1:7000,10.0.0.2:7000');
 * // { nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }], password: 'secret' }
 */
export function parseRedisClusterUrl(url: string, ssl?: RedisSslSettings | boolean): RedisClusterUrlOptions {
  const match = /^rediscluster:\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(url.trim());
  if (match === null) {
    throw isClusterUrl(url) ? invalid(url, 'unreadable') : new ConfigurationError(`Not a Redis Cluster URL: ${JSON.stringify(redactUrl(url))} (use rediscluster://)`);
  }
  const [, credentials, hosts = '', path = '', query = ''] = match;
  const db = path.replace(/^\/+|\/+$/g, '');
  if (db !== '' && db !== '0') throw invalid(url, 'a cluster has only database 0');
  const nodes = hosts
    .split(',')
    .filter((part) => part !== '')
    .map((part) => {
      const node = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(part);
      if (node === null) throw invalid(url, 'a node is not host[:port]');
      const port = node[3] === undefined ? 6379 : Number(node[3]);
      if (port < 1 || port > 65535) throw invalid(url, `port ${port} is out of range`);
      return { host: node[1] ?? node[2] ?? '', port };
    });
  if (nodes.length === 0) throw invalid(url, 'no node');
  const result: RedisClusterUrlOptions = { nodes };
  if (credentials !== undefined && credentials !== '') {
    const colon = credentials.indexOf(':');
    const user = colon < 0 ? credentials : credentials.slice(0, colon);
    const password = colon < 0 ? '' : credentials.slice(colon + 1);
    if (user !== '') result.username = decode(user, url);
    if (password !== '') result.password = decode(password, url);
  }
  const tls = sslFromSettingAndQuery(ssl, new URLSearchParams(query), `the TLS settings of ${JSON.stringify(redactUrl(url))}`);
  if (tls !== undefined) result.tls = tls;
  return result;
}
