/** Options of the AMQP broker, their defaults and their validation. */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigurationError } from '@celerity/core';
import type { BrokerCommonOptions } from '@celerity/core';
import type { AmqpSslSettings } from './ssl.js';
import type { ExchangeSpec } from './topology.js';

/** Options of {@link createAmqpBroker}. */
export interface AmqpBrokerOptions extends BrokerCommonOptions {
  /**
   * `amqp://[user[:password]@]host[:port][/vhost][?heartbeat=…]`, `amqps://…` for TLS, or `pyamqp://…`.
   * The vhost is the path after the first `/`: `amqp://guest:guest@localhost:5672//` is vhost `/`.
   * Several URLs joined with `;` (kombu's failover list, e.g. the nodes of a cluster) are tried in
   * turn, moving on to the next when a connection is lost; `heartbeat` and `connection_name` come from the first.
   * @default 'amqp://guest:guest@localhost:5672//'
   */
  url?: string;
  /**
   * Heartbeat interval in seconds (`broker_heartbeat`); 0 turns heartbeats off. A `?heartbeat=` in
   * the URL wins.
   * @default 60
   */
  heartbeat?: number;
  /** Shown as `connection_name` in RabbitMQ's management UI and `rabbitmqctl list_connections`. */
  connectionName?: string;
  /**
   * Celery's `broker_use_ssl`: TLS with a CA, a client certificate, `cert_reqs` and
   * `server_hostname` (py-amqp's names; files are read when connecting). It turns TLS on for an
   * `amqp://` URL too (port 5671 unless the URL names one); `true` is TLS with the defaults.
   * @default undefined (TLS only for `amqps://`)
   * @example createAmqpBroker({ url: 'amqps://rabbit.internal//', ssl: { ca_certs: '/etc/ssl/ca.pem', certfile: '/etc/ssl/client.pem', keyfile: '/etc/ssl/client.key' } })
   */
  ssl?: AmqpSslSettings | boolean;
  /** Node's `tls.connect` options for `amqps://` (CA, client certificate, `rejectUnauthorized`…); laid over `ssl`. */
  tls?: TlsOptions;
  /**
   * Milliseconds a publish (and `connect`, declarations, `consume`) waits for RabbitMQ — a
   * reconnect during an outage, then the publisher confirm — before failing with `ConnectionError`
   * (no connection) or `TimeoutError` (no confirm). A publish's own `timeout` option overrides it.
   * @default 10000
   */
  publishTimeout?: number;
  /**
   * Queue type of `declareQueue` calls that name none: `'quorum'` adds `x-queue-type: quorum`
   * (Celery 5.5 `task_default_queue_type`). (QoS is per consumer on every queue type.)
   * @default 'classic'
   */
  queueType?: 'classic' | 'quorum';
  /**
   * How broadcast exchanges are declared, by name, for exchanges other than Celery's own
   * (`celery.pidbox` fanout, `reply.celery.pidbox` direct, `celeryev` topic, which are built in).
   * Unlisted exchanges are non-durable topic exchanges.
   */
  exchanges?: Record<string, ExchangeSpec>;
  /**
   * Queue type of the `celery_delayed_*` queues that `publishDelayed` declares (Celery 5.5's
   * `broker_native_delayed_delivery_queue_type`). Must match what Python workers on the same vhost
   * declare, or RabbitMQ refuses the declaration (and the worker keeps holding its ETA tasks).
   * @default 'quorum'
   */
  delayQueueType?: 'classic' | 'quorum';
  /** First delay between reconnect attempts, ms; doubles up to `maxReconnectDelay`. @default 100 */
  reconnectDelay?: number;
  /** Longest delay between reconnect attempts, ms. @default 5000 */
  maxReconnectDelay?: number;
}

/** Options with defaults applied. */
export interface ResolvedAmqpBrokerOptions {
  url: string;
  heartbeat: number;
  publishTimeout: number;
  queueType: 'classic' | 'quorum';
  delayQueueType: 'classic' | 'quorum';
  reconnectDelay: number;
  maxReconnectDelay: number;
}

/** The URL used when none is given. */
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@localhost:5672//';

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ConfigurationError(`AMQP broker option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  }
  return value;
}

function checkQueueType(name: string, value: unknown): 'classic' | 'quorum' {
  if (value !== 'classic' && value !== 'quorum') throw new ConfigurationError(`AMQP broker option ${name} must be 'classic' or 'quorum', got ${String(value)}`);
  return value;
}

/** Applies defaults and checks ranges; throws `ConfigurationError`. */
export function resolveOptions(options: AmqpBrokerOptions): ResolvedAmqpBrokerOptions {
  const queueType = checkQueueType('queueType', options.queueType ?? 'classic');
  const delayQueueType = checkQueueType('delayQueueType', options.delayQueueType ?? 'quorum');
  return {
    url: options.url ?? DEFAULT_AMQP_URL,
    heartbeat: positive('heartbeat', options.heartbeat, 60, true),
    publishTimeout: positive('publishTimeout', options.publishTimeout, 10_000),
    queueType,
    delayQueueType,
    reconnectDelay: positive('reconnectDelay', options.reconnectDelay, 100),
    maxReconnectDelay: positive('maxReconnectDelay', options.maxReconnectDelay, 5_000),
  };
}

const SETTING_NAMES: Record<string, keyof AmqpBrokerOptions> = {
  heartbeat: 'heartbeat',
  broker_heartbeat: 'heartbeat',
  connectionName: 'connectionName',
  connection_name: 'connectionName',
  publishTimeout: 'publishTimeout',
  queueType: 'queueType',
  task_default_queue_type: 'queueType',
  delayQueueType: 'delayQueueType',
  broker_native_delayed_delivery_queue_type: 'delayQueueType',
  reconnectDelay: 'reconnectDelay',
  maxReconnectDelay: 'maxReconnectDelay',
};

const SSL_SETTINGS = new Set(['ssl', 'broker_use_ssl']);

const STRING_SETTINGS = new Set<keyof AmqpBrokerOptions>(['connectionName', 'queueType', 'delayQueueType']);

/**
 * Reads broker options given as untyped settings (`AdapterContext.options`), accepting our names
 * and Celery's (`broker_heartbeat`, `task_default_queue_type`,
 * `broker_native_delayed_delivery_queue_type`, and `broker_use_ssl` for `ssl`). `tls` and `exchanges` pass through
 * when they are objects; `ssl` when it is an object or a boolean. Unknown keys are ignored; known keys of the wrong type throw `ConfigurationError`.
 */
export function optionsFromSettings(settings: Record<string, unknown> | undefined): AmqpBrokerOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings ?? {})) {
    if (value === undefined) continue;
    if (key === 'tls' || key === 'exchanges') {
      if (typeof value !== 'object' || value === null) throw new ConfigurationError(`AMQP broker option ${key} must be an object`);
      out[key] = value;
      continue;
    }
    if (SSL_SETTINGS.has(key)) {
      if (typeof value !== 'boolean' && (typeof value !== 'object' || value === null)) throw new ConfigurationError(`AMQP broker option ${key} must be an object or a boolean`);
      out['ssl'] = value;
      continue;
    }
    const name = SETTING_NAMES[key];
    if (name === undefined) continue;
    const expected = STRING_SETTINGS.has(name) ? 'string' : 'number';
    if (typeof value !== expected) throw new ConfigurationError(`AMQP broker option ${key} must be a ${expected}`);
    out[name] = value;
  }
  return out as AmqpBrokerOptions;
}
