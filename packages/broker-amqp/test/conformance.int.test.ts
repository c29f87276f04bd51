/**
 * The shared broker and result-backend conformance suites against the shared RabbitMQ, in a vhost
 * of this run's own.
 */
import { randomUUID } from 'node:crypto';
import { runBackendConformance, runBrokerConformance } from '@celerity/testing';
import { afterAll, beforeAll } from 'vitest';
import { createAmqpBroker, createRpcBackend } from '../src/index.js';
import { createTestVhost, type TestVhost } from './vhost.js';

let vhost: TestVhost;
beforeAll(async () => {
  vhost = await createTestVhost();
});
afterAll(async () => {
  await vhost.dispose();
});

runBrokerConformance('amqp', () => createAmqpBroker({ url: vhost.url }));

// The instances share one reply queue of their own (`replyTo`), where states stored without a
// request go; states stored with a request go to its reply queue. Celery's rpc:// backend has no
// chords, nor has ours (capabilities.chords is false): the suite skips those tests by capability.
const replyTo = `celerity-test-oid-${randomUUID()}`;
runBackendConformance('rpc', () => createRpcBackend({ url: vhost.url, replyTo }));
