// STUB — to be implemented (memory transport helper).
import type { Broker } from '../broker.js';
import type { ResultBackend } from '../backend.js';

export interface MemoryBrokerOptions {}
export interface MemoryBackendOptions {}

export function createMemoryBroker(options: MemoryBrokerOptions = {}): Broker {
  void options;
  throw new Error('not implemented');
}
export function createMemoryBackend(options: MemoryBackendOptions = {}): ResultBackend {
  void options;
  throw new Error('not implemented');
}
