// Where the example connects: memory:// unless BROKER_URL / RESULT_BACKEND say otherwise, and the
// adapters that resolve redis://, amqp:// and rpc:// URLs (memory:// needs none).
import { backendAdapter as redisBackend } from '@celerity/backend-redis';
import { backendAdapter as rpcBackend, brokerAdapter as amqpBroker } from '@celerity/broker-amqp';
import { brokerAdapter as redisBroker } from '@celerity/broker-redis';

export const brokerUrl = process.env['BROKER_URL'] ?? process.env['CELERITY_BROKER_URL'] ?? 'memory://';
export const backendUrl = process.env['RESULT_BACKEND'] ?? process.env['CELERITY_RESULT_BACKEND'] ?? 'memory://';
export const adapters = [redisBroker, redisBackend, amqpBroker, rpcBackend];
