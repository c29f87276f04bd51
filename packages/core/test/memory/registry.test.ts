import { randomSuffix } from '@celerity/testing';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, createBackendFromUrl, createBrokerFromUrl, createMemoryBackend, createMemoryBroker, hasBackendAdapter, hasBrokerAdapter } from '../../src/index.js';
import { memoryHubName } from '../../src/memory/index.js';

const envelope = { body: new Uint8Array([1]), contentType: 'application/octet-stream', contentEncoding: 'binary', headers: {}, properties: {} };

describe('memory:// URLs', () => {
  it('are registered without any setup', () => {
    expect(hasBrokerAdapter('memory')).toBe(true);
    expect(hasBackendAdapter('memory')).toBe(true);
  });

  it.each([
    ['memory://', 'default'],
    ['memory', 'default'],
    ['memory:', 'default'],
    ['memory:///', 'default'],
    ['MEMORY://jobs', 'jobs'],
    ['memory://jobs/', 'jobs'],
    ['memory://jobs?x=1', 'jobs'],
    ['memory://a%20b', 'a b'],
  ])('%s names hub %s', (url, hub) => {
    expect(memoryHubName(url)).toBe(hub);
  });

  it('rejects URLs of other schemes or with a path', () => {
    expect(() => memoryHubName('redis://x')).toThrow(ConfigurationError);
    expect(() => memoryHubName('memory://a/b')).toThrow(ConfigurationError);
  });

  it('a broker from a URL and one from the factory share the named hub', async () => {
    const hub = `url-${randomSuffix()}`;
    const fromUrl = createBrokerFromUrl(`memory://${hub}`);
    const direct = createMemoryBroker({ name: hub });
    try {
      await fromUrl.publish({ queue: 'q' }, envelope);
      expect(await direct.size('q')).toBe(1);
      expect(fromUrl.transport).toBe('memory');
    } finally {
      await fromUrl.close();
      await direct.close();
    }
  });

  it('memory:// is the same hub as the factory default', async () => {
    const queue = `q-${randomSuffix()}`;
    const fromUrl = createBrokerFromUrl('memory://');
    const direct = createMemoryBroker();
    try {
      await direct.publish({ queue }, envelope);
      expect(await fromUrl.purge(queue)).toBe(1);
    } finally {
      await fromUrl.close();
      await direct.close();
    }
  });

  it('passes adapter options through and validates them', () => {
    const broker = createBrokerFromUrl('memory://', { options: { priorityOrder: 'high-first' } });
    expect(broker.capabilities.priorityOrder).toBe('high-first');
    void broker.close();
    expect(() => createBrokerFromUrl('memory://', { options: { priorityOrder: 3 } })).toThrow(ConfigurationError);
    expect(() => createBackendFromUrl('memory://', { options: { expires: 'soon' } })).toThrow(ConfigurationError);
  });

  it('a backend from a URL and one from the factory share results', async () => {
    const hub = `url-${randomSuffix()}`;
    const fromUrl = createBackendFromUrl(`memory://${hub}`);
    const direct = createMemoryBackend({ name: hub });
    try {
      await direct.store({ status: 'SUCCESS', result: 5, traceback: null, children: [], date_done: null, task_id: 't' });
      expect((await fromUrl.get('t'))?.result).toBe(5);
    } finally {
      await fromUrl.close();
      await direct.close();
    }
  });
});
