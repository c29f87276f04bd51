/** URL-scheme adapter: pass it in `adapters` so `redis://…` broker URLs resolve. */
import type { BrokerAdapter } from '@celerity/core';
import { optionsFromSettings } from './options.js';
import { createRedisBroker } from './redis-broker.js';

/**
 * Broker adapter for `redis://`, `rediss://`, `sentinel://` and `rediscluster://` (Redis Cluster).
 * `context.options` may use our option names or kombu's transport option names (`global_keyprefix`,
 * `visibility_timeout`, `polling_interval`, `master_name`, `sentinel_kwargs`).
 * @example
 * import { createBrokerFromUrl } from '@celerity/core';
 * import { brokerAdapter } from '@celerity/broker-redis';
 * const broker = createBrokerFromUrl('redis://localhost:6379/0', { adapters: [brokerAdapter], options: { visibility_timeout: 7200 } });
 */
export const brokerAdapter: BrokerAdapter = {
  kind: 'broker',
  schemes: ['redis', 'rediss', 'sentinel', 'rediscluster'],
  create(url, context) {
    return createRedisBroker({
      ...optionsFromSettings(context.options),
      url,
      ...(context.logger !== undefined ? { logger: context.logger } : {}),
    });
  },
};
