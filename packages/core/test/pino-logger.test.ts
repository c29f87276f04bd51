// A pino instance passed where a Logger goes keeps its fields: asLogger puts them first, as pino wants.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../src/logger.js';
import { createConsoleLogger, silentLogger } from '../src/logger.js';
import { asLogger } from '../src/pino-logger.js';

function pinoCapture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('asLogger', () => {
  it('takes a pino instance as a Logger (it type-checks) and keeps its fields, the error under err', async () => {
    const { logger: instance, lines } = pinoCapture();
    const typed: Logger = instance; // no adapter: pino fits the Logger type as it is
    const logger = asLogger(typed);
    logger.info('Task tasks.add[1] succeeded', { task: 'tasks.add', id: '1' });
    logger.error('store failed', { error: new Error('redis down'), id: '2' });
    logger.warn('plain');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'Task tasks.add[1] succeeded', task: 'tasks.add', id: '1' });
    expect(lines[1]).toMatchObject({ level: 50, msg: 'store failed', id: '2', err: { type: 'Error', message: 'redis down' } });
    expect((lines[1]!['err'] as { stack: string }).stack).toContain('Error: redis down');
    expect(lines[2]).toMatchObject({ level: 40, msg: 'plain' });
  });

  it('keeps other loggers as they are, and is silent for none', () => {
    const mine = createConsoleLogger({ write: () => {} });
    expect(asLogger(mine)).toBe(mine);
    expect(asLogger(undefined)).toBe(silentLogger);
  });
});
