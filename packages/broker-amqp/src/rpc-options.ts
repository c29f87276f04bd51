/** Options of the `rpc://` result backend. */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Broker, Logger, Serializer } from '@celerity/core';

/** Options of {@link createRpcBackend}. */
export interface RpcBackendOptions {
  /**
   * The AMQP broker (from `createAmqpBroker`) whose connection and confirming publisher the backend
   * shares. It also tells the backend each delivered task's `reply_to` (where `store` sends its
   * states) and each watched task's reply queue (what `wait` reads).
   */
  broker?: Broker;
  /**
   * Broker URL for a connection of the backend's own, used when `broker` is not given.
   * @default 'amqp://guest:guest@localhost:5672//'
   */
  url?: string;
  /**
   * This backend's own reply queue (Celery's app `oid`): read when no other queue was adopted,
   * and where `store` sends states of tasks whose reply address is unknown (always when running
   * standalone, only when this option is given when attached to a broker). Give the client the
   * same id (`createClient({ appId })`) when you create the backend without a broker.
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
  /** Own connection only: TLS options for `amqps://`. */
  tls?: TlsOptions;
  /** @default silentLogger */
  logger?: Logger;
}
