/** Options of the `rpc://` result backend. */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { AmqpSslSettings } from './ssl.js';
import type { Broker, Logger, Serializer } from '@celerity/core';

/** Options of {@link createRpcBackend}. */
export interface RpcBackendOptions {
  /**
   * The AMQP broker (from `createAmqpBroker`) whose connection and confirming publisher the backend
   * shares. Only the connection: where states go comes with each `store`'s request.
   */
  broker?: Broker;
  /**
   * Broker URL for a connection of the backend's own, used when `broker` is not given.
   * @default 'amqp://guest:guest@localhost:5672//'
   */
  url?: string;
  /**
   * This backend's own reply queue (Celery's app `oid`): read by `wait` / `get` when no other queue
   * was watched or adopted, and where `store` sends states whose request names no `replyTo`
   * (always when running standalone; when attached to a broker only if this option is given —
   * otherwise such states are dropped, as Celery's worker drops them).
   * @default a random uuid
   */
  replyTo?: string;
  /** Celery's `result_serializer` for the states we send. @default createJsonSerializer() from @celerity/core */
  serializer?: Serializer;
  /** More serializers accepted when reading states, by content type (JSON is always accepted). */
  serializers?: readonly Serializer[];
  /** Celery's `result_persistent`: send states with delivery mode 2 instead of 1. @default false */
  persistent?: boolean;
  /** Seconds an unused reply queue lives (`x-expires`; Celery's `result_expires`). @default 86400 */
  expires?: number;
  /** Most task states kept in memory for later `get` / `wait` calls; the oldest go first. @default 10000 */
  maxStates?: number;
  /** Milliseconds a store waits for RabbitMQ (reconnect + confirm). @default the broker's `publishTimeout`, else 10000 */
  publishTimeout?: number;
  /** Own connection only: heartbeat seconds. @default 60 */
  heartbeat?: number;
  /** Own connection only: `connection_name` client property. */
  connectionName?: string;
  /** Own connection only: Celery's `broker_use_ssl`, as the broker's `ssl` option (it turns TLS on for `amqp://` too). */
  ssl?: AmqpSslSettings | boolean;
  /** Own connection only: Node TLS options for `amqps://`, laid over `ssl`'s. */
  tls?: TlsOptions;
  /** @default silentLogger */
  logger?: Logger;
}
