import { randomSuffix } from '@celerity/testing';
import { describe, expect, it } from 'vitest';
import type { Adapter, Broker } from '../../src/index.js';
import { ConfigurationError, UnknownSchemeError, createBackendFromUrl, createBrokerFromUrl, createMemoryBackend, createMemoryBroker } from '../../src/index.js';
import { suggestScheme } from '../../src/registry.js';
import { memoryHubName } from '../../src/memory/index.js';

const envelope = { body: new Uint8Array([1]), contentType: 'application/octet-stream', contentEncoding: 'binary', headers: {}, properties: {} };

describe('URL resolution over the adapters given', () => {
  it('resolves memory:// with no adapters at all', async () => {
    const broker = createBrokerFromUrl('memory://');
    const backend = createBackendFromUrl('memory://');
    expect(broker.transport).toBe('memory');
    expect(backend.name).toBe('memory');
    await broker.close();
    await backend.close();
  });

  it('a known scheme without its adapter names the package and the adapter to pass', () => {
    const error = catchError(() => createBrokerFromUrl('redis://localhost:6379/0'));
    expect(error).toBeInstanceOf(UnknownSchemeError);
    expect((error as UnknownSchemeError).scheme).toBe('redis');
    expect(error.message).toContain("import { brokerAdapter } from '@celerity/broker-redis'");
    expect(error.message).toContain('`adapters`');
    expect(catchError(() => createBackendFromUrl('rpc://')).message).toContain("import { backendAdapter } from '@celerity/broker-amqp'");
  });

  it('a mistyped scheme gets a "did you mean"', () => {
    expect(catchError(() => createBrokerFromUrl('reddis://localhost')).message).toContain('did you mean redis://?');
    expect(catchError(() => createBrokerFromUrl('amqq://localhost')).message).toContain('did you mean amqp://?');
    expect(catchError(() => createBackendFromUrl('memroy://')).message).toContain('did you mean memory://?');
    expect(catchError(() => createBrokerFromUrl('kafka://localhost')).message).toContain('no known package provides it');
  });

  it('suggests only close schemes', () => {
    expect(suggestScheme('reddis', ['redis', 'rediss', 'amqp'])).toBe('redis');
    expect(suggestScheme('rediss', ['redis', 'rediss'])).toBeUndefined();
    expect(suggestScheme('zzz', ['redis', 'amqp'])).toBeUndefined();
  });

  it('uses the adapter of the right kind for the scheme, with the context given', () => {
    const made: string[] = [];
    const fake: Adapter = {
      kind: 'broker',
      schemes: ['fake'],
      create(url, context) {
        made.push(`${url} ${String(context.options?.['x'])}`);
        return createMemoryBroker({ name: `fake-${randomSuffix()}` });
      },
    };
    const broker: Broker = createBrokerFromUrl('fake://here', { adapters: [fake], options: { x: 1 } });
    expect(made).toEqual(['fake://here 1']);
    void broker.close();
    // A broker adapter does not resolve backend URLs of its scheme.
    expect(() => createBackendFromUrl('fake://here', { adapters: [fake] })).toThrow(UnknownSchemeError);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('memory:// URLs', () => {
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
