// A pino instance is the worker's logger as it is: its lines carry the worker's fields, an error's
// stack under pino's `err`.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ResultBackend } from '@celerity/core';
import { createMemoryBackend, createMemoryBroker, defineTask } from '@celerity/core';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';

const add = defineTask({ name: 'p.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);

describe('a pino logger', () => {
  it('gets the worker lines with their fields', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const queue = `p-${crypto.randomUUID()}`;
    const broker = createMemoryBroker();
    const backend = createMemoryBackend();
    // Every store fails: the worker logs it with the error as a field.
    const failing: ResultBackend = Object.assign(Object.create(backend) as ResultBackend, { store: () => Promise.reject(new Error('backend down')), storeMany: () => Promise.reject(new Error('backend down')) });
    await using worker = createWorker({ broker, backend: failing, tasks: [add], queues: [queue], logger: pino({ level: 'info' }, stream) });
    await worker.start();
    await using client = createClient({ broker, defaultQueue: queue });
    const { id } = await client.task('p.add').delay(1, 2);
    await worker.idle();
    await expect.poll(() => lines.find((l) => String(l['msg']).includes('storing the outcome failed'))).toBeDefined();
    expect(lines.map((l) => l['msg'])).toContain(`Received task: p.add[${id}]`);
    expect(lines.find((l) => String(l['msg']).startsWith(`Task p.add[${id}] succeeded in `))).toMatchObject({ level: 30 });
    const stored = lines.find((l) => l['level'] === 50 && String(l['msg']).includes('storing the outcome failed'));
    expect(stored?.['err']).toMatchObject({ type: 'Error', message: 'backend down' });
    expect(String((stored?.['err'] as { stack?: string }).stack)).toContain('Error: backend down');
  });
});
