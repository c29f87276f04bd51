// map / starmap / chunks and ctx.replace() on the memory transport (canvas-builtins-scenarios.ts).
import { describe } from 'vitest';
import { createMemoryBackend, createMemoryBroker } from '@celerity/core';
import { builtinsScenarios } from './canvas-builtins-scenarios.js';

describe('canvas built-ins and replace on memory', () => {
  builtinsScenarios(() => {
    const name = `builtins-${crypto.randomUUID()}`;
    return { broker: () => createMemoryBroker({ name }), backend: () => createMemoryBackend({ name }) };
  });
});
