/** URL-scheme adapters: pass them in `adapters` so `amqp://…` brokers and the `rpc://` backend resolve. */
import { ConfigurationError } from '@celerity/core';
import type { BackendAdapter, BrokerAdapter, Serializer } from '@celerity/core';
import { createAmqpBroker } from './amqp-broker.js';
import { brokerInternals } from './internals.js';
import { optionsFromSettings } from './options.js';
import { createRpcBackend } from './rpc-backend.js';
import type { RpcBackendOptions } from './rpc-options.js';
import type { AmqpSslSettings } from './ssl.js';

/**
 * Broker adapter for `amqp://`, `amqps://` and `pyamqp://`. `context.options` may use our option
 * names or Celery's (`broker_heartbeat`, `task_default_queue_type`).
 * @example
 * import { createBrokerFromUrl } from '@celerity/core';
 * import { brokerAdapter } from '@celerity/broker-amqp';
 * const broker = createBrokerFromUrl('amqp://guest:guest@localhost:5672//', { adapters: [brokerAdapter] });
 */
export const brokerAdapter: BrokerAdapter = {
  kind: 'broker',
  schemes: ['amqp', 'amqps', 'pyamqp'],
  create(url, context) {
    return createAmqpBroker({
      ...optionsFromSettings(context.options),
      url,
      ...(context.logger !== undefined ? { logger: context.logger } : {}),
    });
  },
};

function isSerializer(value: unknown): value is Serializer {
  const s = value as Partial<Serializer> | null;
  return typeof s === 'object' && s !== null && typeof s.encode === 'function' && typeof s.decode === 'function' && typeof s.contentType === 'string';
}

/** Picks the rpc:// options out of an adapter context's untyped bag (our names or Celery's). */
function readRpcOptions(bag: Record<string, unknown>): RpcBackendOptions {
  const out: RpcBackendOptions = {};
  const wrong = (key: string, expected: string): never => {
    throw new ConfigurationError(`rpc:// result backend option ${key} must be ${expected}`);
  };
  const replyTo = bag['replyTo'] ?? bag['appId'] ?? bag['oid'];
  if (replyTo !== undefined) out.replyTo = typeof replyTo === 'string' ? replyTo : wrong('replyTo', 'a string');
  const persistent = bag['persistent'] ?? bag['result_persistent'];
  if (persistent !== undefined) out.persistent = typeof persistent === 'boolean' ? persistent : wrong('persistent', 'a boolean');
  const expires = bag['expires'] ?? bag['result_expires'];
  if (expires !== undefined) out.expires = typeof expires === 'number' ? expires : wrong('expires', 'a number of seconds');
  const serializer = bag['serializer'];
  if (serializer !== undefined) out.serializer = isSerializer(serializer) ? serializer : wrong('serializer', 'a Serializer');
  const maxStates = bag['maxStates'];
  if (maxStates !== undefined) out.maxStates = typeof maxStates === 'number' ? maxStates : wrong('maxStates', 'a number');
  const ssl = bag['ssl'] ?? bag['broker_use_ssl'];
  if (ssl !== undefined) out.ssl = typeof ssl === 'boolean' || (typeof ssl === 'object' && ssl !== null) ? (ssl as AmqpSslSettings) : wrong('broker_use_ssl', 'an object or a boolean');
  const url = bag['url'] ?? bag['brokerUrl'];
  if (url !== undefined) out.url = typeof url === 'string' ? url : wrong('url', 'a string');
  return out;
}

/**
 * Result backend adapter for `rpc://`. It shares the connection of the broker in
 * `context.broker`, which must be an AMQP broker from this package (Celery's rpc backend also
 * talks to the broker); without one, `context.options.url` names the broker to connect to.
 * @example
 * import { brokerAdapter, backendAdapter } from '@celerity/broker-amqp';
 * const client = createClient({ broker: 'amqp://localhost//', backend: 'rpc://', adapters: [brokerAdapter, backendAdapter] });
 */
export const backendAdapter: BackendAdapter = {
  kind: 'backend',
  schemes: ['rpc'],
  create(_url, context) {
    const options = readRpcOptions(context.options ?? {});
    const broker = context.broker;
    if (broker !== undefined && brokerInternals(broker) !== undefined) options.broker = broker;
    else if (options.url === undefined) {
      throw new ConfigurationError(
        `The rpc:// result backend sends results over the AMQP broker: use an amqp:// broker${broker !== undefined ? ` (this one is ${broker.transport}://)` : ''}, or pass the broker URL as the backend option url`,
      );
    }
    if (context.logger !== undefined) options.logger = context.logger;
    return createRpcBackend(options);
  },
};
