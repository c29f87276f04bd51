// The live stream: however many tasks change between two ticks, one `tasks` message per tick carries
// them; the overview goes out each tick and at once to a new client; the series every few ticks;
// no ticks without clients. Timers are fired by hand.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Overview, Series, TaskSummary } from '../src/contract.js';
import { StreamHub, type StreamSource } from '../src/stream.js';
import { manualTimers } from './manual-timers.js';

class FakeResponse extends EventEmitter {
  status = 0;
  headers: Record<string, string> = {};
  text = '';
  writeHead(status: number, headers: Record<string, string>): this {
    this.status = status;
    this.headers = headers;
    return this;
  }
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  end(): void {
    this.emit('close');
  }
  /** The events written: [name, data]. */
  events(): Array<[string, unknown]> {
    return [...this.text.matchAll(/^event: (\w+)\ndata: (.*)\n\n/gm)].map((m) => [m[1]!, JSON.parse(m[2]!)]);
  }
}

function fakeSource(): StreamSource & { changes: TaskSummary[]; seq: number; overviews: number } {
  const task = (id: string): TaskSummary => ({ id, name: 't', state: 'SUCCESS', worker: null, received: null, started: null, runtime: null, args: null, result: null, exception: null, updated: 1 });
  const source = {
    changes: [] as TaskSummary[],
    seq: 0,
    overviews: 0,
    async overview(): Promise<Overview> {
      source.overviews++;
      return { now: source.overviews, workers: [], queues: [], totals: { received: 0, succeeded: 0, failed: 0, active: 0 } };
    },
    async changeNumber() {
      return source.seq;
    },
    async changedSince(since: number) {
      // As the store does: the latest 500 at most.
      const tasks = source.changes.slice(since).slice(-500);
      return { seq: source.changes.length, tasks: tasks.reverse() };
    },
    async series(): Promise<Series> {
      return { step: 10, throughput: [], runtime: [], queueDepth: [] };
    },
    push(n: number) {
      for (let i = 0; i < n; i++) source.changes.push(task(`t${source.changes.length}`));
    },
  };
  return Object.assign(source, { push: source.push });
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('StreamHub', () => {
  it('coalesces: a burst of 1000 changed tasks is one tasks message at the next tick', async () => {
    const timers = manualTimers();
    const source = fakeSource() as ReturnType<typeof fakeSource> & { push(n: number): void };
    const hub = new StreamHub(source, timers, (e) => { throw e; }, { intervalMs: 1000, seriesEvery: 2 });
    expect(timers.pending).toHaveLength(0);
    const res = new FakeResponse();
    await hub.add(res as unknown as ServerResponse);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    // A fresh overview at once, before any tick.
    expect(res.events().map(([name]) => name)).toEqual(['overview']);
    expect(timers.pending.map((t) => t.ms)).toEqual([1000]);

    source.push(1000);
    timers.fire(1000);
    await settle();
    const afterOne = res.events();
    expect(afterOne.map(([name]) => name)).toEqual(['overview', 'overview', 'tasks']);
    expect((afterOne[2]![1] as { tasks: TaskSummary[] }).tasks).toHaveLength(500);
    // Nothing changed: an overview only.
    timers.fire(1000);
    await settle();
    expect(res.events().map(([name]) => name)).toEqual(['overview', 'overview', 'tasks', 'overview', 'series']);

    // A second client gets its overview at once; both get the next tick.
    const other = new FakeResponse();
    await hub.add(other as unknown as ServerResponse);
    source.push(2);
    timers.fire(1000);
    await settle();
    expect(other.events().map(([name]) => name)).toEqual(['overview', 'overview', 'tasks']);
    expect((other.events()[2]![1] as { tasks: TaskSummary[] }).tasks.map((t) => t.id)).toEqual(['t1001', 't1000']);

    // The timer stops with the last client.
    res.end();
    other.end();
    expect(timers.pending).toHaveLength(0);
    hub.close();
  });

  it('a tick while the previous one still reads is skipped, not queued', async () => {
    const timers = manualTimers();
    const source = fakeSource();
    let gate: Promise<void> = Promise.resolve();
    const slow: StreamSource = { ...source, overview: async () => (await gate, source.overview()) };
    const hub = new StreamHub(slow, timers, () => {}, { intervalMs: 700 });
    const res = new FakeResponse();
    await hub.add(res as unknown as ServerResponse);
    let open: () => void = () => {};
    gate = new Promise<void>((resolve) => (open = resolve));
    const first = hub.tick();
    const second = hub.tick();
    open();
    await Promise.all([first, second]);
    // The one from add, the one of the first tick; the second tick did nothing.
    expect(res.events().filter(([name]) => name === 'overview')).toHaveLength(2);
    await hub.tick();
    expect(res.events().filter(([name]) => name === 'overview')).toHaveLength(3);
    hub.close();
  });
});
