// Celery 5.5's warm / soft / cold shutdown on the memory transport (Redis and RabbitMQ: shutdown-modes.int.test.ts).
import { describe } from 'vitest';
import { createMemoryBackend, createMemoryBroker } from '@celerity/core';
import { shutdownScenarios } from './shutdown-scenarios.js';

describe('shutdown modes on memory', () => {
  shutdownScenarios(() => {
    const hub = `shutdown-${crypto.randomUUID()}`;
    return { broker: () => createMemoryBroker({ name: hub }), backend: () => createMemoryBackend({ name: hub }) };
  });
});
