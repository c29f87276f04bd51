/**
 * What the conformance suites cannot see of the example adapter (docs/adapters.md): its error
 * mapping, malformed messages, and URL resolution.
 */
import { CelerityError, ClosedError, ConnectionError, UnknownSchemeError, createBrokerFromUrl } from '@celerity/core';
import type { Delivery, Envelope, MalformedDelivery } from '@celerity/core';
import { randomSuffix, waitFor } from '@celerity/testing';
import { describe, expect, it } from 'vitest';
import { brokerAdapter } from './example-adapter/adapter.js';
import { mapExampleError } from './example-adapter/errors.js';
import { createExampleBackend } from './example-adapter/example-backend.js';
import { createExampleBroker } from './example-adapter/example-broker.js';
import { connectExampleServer, ExampleDriverError, setServerDown } from './example-adapter/server.js';

const envelope = (text: string): Envelope => ({ body: new TextEncoder().encode(JSON.stringify(text)), contentType: 'application/json', contentEncoding: 'utf-8', headers: {}, properties: {} });

describe('example adapter: errors', () => {
  it('an unreachable server is a retryable ConnectionError, whatever the operation', async () => {
    const server = `errors-${randomSuffix()}`;
    await using broker = createExampleBroker({ server });
    await using backend = createExampleBackend({ server });
    setServerDown(server, true);
    const lost = { code: 'CONNECTION_ERROR', retryable: true, cause: expect.any(ExampleDriverError) };
    await expect(broker.publish({ queue: 'q' }, envelope('x'))).rejects.toMatchObject(lost);
    await expect(broker.size('q')).rejects.toBeInstanceOf(ConnectionError);
    await expect(backend.get('some-task')).rejects.toMatchObject(lost);
    await expect(backend.wait('some-task', { timeout: 1 })).rejects.toBeInstanceOf(ConnectionError);
    setServerDown(server, false);
    await broker.publish({ queue: 'q' }, envelope('x'));
    expect(await broker.size('q')).toBe(1);
  });

  it('anything else the server refuses is a non-retryable EXAMPLE_ERROR; Celerity errors pass through', () => {
    const refused = new ExampleDriverError('EINVAL', 'value too large');
    const mapped = mapExampleError(refused, 'publish to q');
    expect(mapped).toBeInstanceOf(CelerityError);
    expect(mapped).toMatchObject({ code: 'EXAMPLE_ERROR', retryable: false, cause: refused, message: 'example publish to q failed: value too large' });
    const closed = new ClosedError('example broker');
    expect(mapExampleError(closed, 'anything')).toBe(closed);
  });
});

describe('example adapter: malformed messages', () => {
  it('sets an undecodable message aside, reports it, and goes on', async () => {
    const server = `malformed-${randomSuffix()}`;
    await using broker = createExampleBroker({ server });
    connectExampleServer(server).push('q', 'not json');
    await broker.publish({ queue: 'q' }, envelope('good'));
    const malformed: MalformedDelivery[] = [];
    const delivered: Delivery[] = [];
    await broker.consume(['q'], (d) => void delivered.push(d), { onMalformed: (item) => void malformed.push(item) });
    await waitFor(() => delivered.length === 1, { message: 'the good message' });
    expect(malformed).toMatchObject([{ queue: 'q', raw: 'not json', setAsideAt: 'q:malformed' }]);
    expect(await broker.size('q:malformed')).toBe(1);
    await delivered[0]?.ack();
  });
});

describe('example adapter: URLs', () => {
  it('example://<name> names the server; brokers of one URL share its queues', async () => {
    const url = `example://urls-${randomSuffix()}`;
    await using a = createBrokerFromUrl(url, { adapters: [brokerAdapter] });
    await using b = createBrokerFromUrl(url, { adapters: [brokerAdapter] });
    await using other = createBrokerFromUrl(`${url}-other`, { adapters: [brokerAdapter] });
    await a.publish({ queue: 'q' }, envelope('shared'));
    expect([await b.size('q'), await other.size('q')]).toEqual([1, 0]);
    expect(() => createBrokerFromUrl(url)).toThrow(UnknownSchemeError);
  });
});
