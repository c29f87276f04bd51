import { randomSuffix, runBackendConformance, runBrokerConformance } from '@celerity/testing';
import { createMemoryBackend, createMemoryBroker } from '../../src/index.js';

// One hub per run so nothing leaks in from other test files sharing the process.
const hub = `conformance-${randomSuffix()}`;

runBrokerConformance('memory (low-first)', () => createMemoryBroker({ name: hub }));
runBrokerConformance('memory (high-first)', () => createMemoryBroker({ name: `${hub}-hf`, priorityOrder: 'high-first' }), {
  // The other suite already covers the large body; once is enough.
  largeBodyBytes: 0,
});
runBackendConformance('memory', () => createMemoryBackend({ name: hub }));
