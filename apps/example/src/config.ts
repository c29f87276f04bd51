// Where the example connects: memory:// unless BROKER_URL / RESULT_BACKEND say otherwise.
import { registerBackendAdapter, registerBrokerAdapter } from '@celerity/core';
import { brokerAdapter as redisBroker } from '@celerity/broker-redis';
import { backendAdapter as redisBackend } from '@celerity/backend-redis';

registerBrokerAdapter(redisBroker);
registerBackendAdapter(redisBackend);

export const brokerUrl = process.env['BROKER_URL'] ?? process.env['CELERITY_BROKER_URL'] ?? 'memory://';
export const backendUrl = process.env['RESULT_BACKEND'] ?? process.env['CELERITY_RESULT_BACKEND'] ?? 'memory://';
