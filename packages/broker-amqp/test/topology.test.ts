import { readFileSync } from 'node:fs';
import { ConfigurationError } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { bindingKey, CELERY_EXCHANGES, exchangeSpec, resolveQueueDeclaration, subscriberQueueArguments, subscriberQueueName } from '../src/topology.js';

interface Topology {
  exchanges: Array<{ name: string; type: string; durable: boolean; auto_delete: boolean }>;
  queues: Array<{ name: string; durable: boolean; auto_delete: boolean; arguments: Record<string, unknown> }>;
}
const topology = JSON.parse(readFileSync(new URL('./fixtures/amqp/topology.json', import.meta.url), 'utf8')) as Topology;

describe('task queue declarations', () => {
  it("declares the default queue exactly as Celery's celery queue: durable, no arguments", () => {
    const celery = topology.queues.find((q) => q.name === 'celery');
    expect(resolveQueueDeclaration()).toEqual({ durable: celery?.durable, autoDelete: celery?.auto_delete, arguments: celery?.arguments, queueType: 'classic' });
  });

  it('adds x-max-priority, x-queue-type and x-dead-letter-exchange only when asked', () => {
    expect(resolveQueueDeclaration({ maxPriority: 10 }).arguments).toEqual({ 'x-max-priority': 10 });
    expect(resolveQueueDeclaration({ queueType: 'quorum' }).arguments).toEqual({ 'x-queue-type': 'quorum' });
    expect(resolveQueueDeclaration({}, 'quorum')).toMatchObject({ queueType: 'quorum', arguments: { 'x-queue-type': 'quorum' } });
    const dlx = resolveQueueDeclaration({ deadLetterExchange: 'dead', arguments: { 'x-message-ttl': 5 } });
    expect(dlx).toMatchObject({ deadLetterExchange: 'dead', arguments: { 'x-dead-letter-exchange': 'dead', 'x-message-ttl': 5 } });
  });

  it('refuses what RabbitMQ refuses', () => {
    expect(() => resolveQueueDeclaration({ queueType: 'quorum', durable: false })).toThrow(ConfigurationError);
    expect(() => resolveQueueDeclaration({ queueType: 'quorum', maxPriority: 5 })).toThrow(/priority/);
    expect(() => resolveQueueDeclaration({ maxPriority: 0 })).toThrow(/maxPriority/);
  });
});

describe('broadcast exchanges', () => {
  it("match Celery's flags for celery.pidbox, reply.celery.pidbox and celeryev", () => {
    for (const name of ['celery.pidbox', 'reply.celery.pidbox', 'celeryev']) {
      const captured = topology.exchanges.find((e) => e.name === name);
      expect({ name, type: CELERY_EXCHANGES[name]?.type, durable: CELERY_EXCHANGES[name]?.durable }).toEqual({ name, type: captured?.type, durable: captured?.durable });
    }
  });

  it("give subscriber queues Celery's expiry arguments", () => {
    const pidbox = topology.queues.find((q) => q.name.endsWith('.celery.pidbox') && !q.name.includes('reply'));
    const events = topology.queues.find((q) => q.name.startsWith('celeryev.'));
    const replies = topology.queues.find((q) => q.name.endsWith('.reply.celery.pidbox'));
    expect(subscriberQueueArguments(exchangeSpec('celery.pidbox', undefined))).toEqual(pidbox?.arguments);
    expect(subscriberQueueArguments(exchangeSpec('celeryev', undefined))).toEqual(events?.arguments);
    expect(subscriberQueueArguments(exchangeSpec('reply.celery.pidbox', undefined))).toEqual(replies?.arguments);
  });

  it("name subscriber queues in Celery's style", () => {
    const id = (): string => '0123456789abcdef';
    expect(subscriberQueueName('celeryev', '#', id)).toBe('celeryev.0123456789abcdef');
    expect(subscriberQueueName('celery.pidbox', '', id)).toBe('0123456789abcdef.celery.pidbox');
    expect(subscriberQueueName('reply.celery.pidbox', 'oid-1', id)).toBe('oid-1.reply.celery.pidbox.01234567');
  });

  it("bind '' as everything on topic exchanges and use configured specs first", () => {
    expect(bindingKey(exchangeSpec('celeryev', undefined), '')).toBe('#');
    expect(bindingKey(exchangeSpec('celery.pidbox', undefined), '')).toBe('');
    expect(bindingKey(exchangeSpec('anything', undefined), 'a.*')).toBe('a.*');
    expect(exchangeSpec('mine', { mine: { type: 'fanout', durable: true } })).toEqual({ type: 'fanout', durable: true });
    expect(exchangeSpec('mine', undefined).type).toBe('topic');
  });
});
