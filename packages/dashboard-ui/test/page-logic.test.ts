/** The page's logic that needs no browser: decoding the contract, filters, action inputs, the live store. */
import { describe, expect, it } from 'vitest';
import { readInputs } from '../src/ui/action-inputs.js';
import { outcomeOf } from '../src/ui/action-outcome.js';
import { ContractError, decodeOverview, decodeTaskDetail, decodeTasks } from '../src/ui/contract.js';
import { createLiveStore } from '../src/ui/live-store.js';
import { plotData, timeWindow } from '../src/ui/plot-data.js';
import type { StreamSource } from '../src/ui/live-store.js';
import { matchesFilter, mergeTasks, NO_FILTER } from '../src/ui/task-filter.js';

const task = (id: string, name: string, state: string, updated: number) => ({ id, name, state, worker: null, received: null, started: null, runtime: null, args: null, result: null, exception: null, updated });

describe('contract decoding', () => {
  it('turns missing or mistyped fields into null and drops items without an id', () => {
    const overview = decodeOverview({ now: 5, workers: [{ hostname: 'w@h', online: true, language: 'ruby', loadavg: [1, 'x'], queues: ['a', 3] }], queues: 'nope', totals: {} });
    expect(overview.workers[0]).toMatchObject({ hostname: 'w@h', online: true, language: null, heartbeatAge: null, loadavg: [1], queues: ['a'] });
    expect(overview.queues).toEqual([]);
    expect(overview.totals).toEqual({ received: 0, succeeded: 0, failed: 0, active: 0 });
    expect(decodeTasks({ tasks: [{ name: 'no id' }, task('a', 'n', 'SUCCESS', 1)] }).map((t) => t.id)).toEqual(['a']);
  });

  it('refuses a body that is not an object', () => {
    expect(() => decodeOverview([])).toThrow(ContractError);
    expect(() => decodeTasks('x')).toThrow(/expected an object/);
  });

  it("decodes a task's canvas tree, an unknown kind as a task", () => {
    const detail = decodeTaskDetail({ ...task('c', 'tasks.echo', 'PENDING', 2), tree: { id: 'g', kind: 'chord', children: [{ id: 'c', kind: 'callback', children: [] }, { id: 'x', kind: 'weird' }] } });
    expect(detail.tree).toEqual({ id: 'g', name: null, state: null, kind: 'chord', children: [{ id: 'c', name: null, state: null, kind: 'callback', children: [] }, { id: 'x', name: null, state: null, kind: 'task', children: [] }] });
  });
});

describe('plot data', () => {
  const series = {
    step: 10,
    throughput: [{ t: 100, succeeded: 0, failed: 0 }, { t: 110, succeeded: 3, failed: 1 }, { t: 120, succeeded: 0, failed: 2 }],
    runtime: [{ name: 'tasks.add', count: 4, p50: 0.1, p90: 0.2, p99: 0.3 }, { name: 'tasks.none', count: 0, p50: 0, p90: 0, p99: 0 }],
    queueDepth: [{ t: 110, queue: 'a', depth: 5 }, { t: 110, queue: 'b', depth: 0 }, { t: 120, queue: 'a', depth: 2 }],
  };

  it('counts only buckets with finished tasks, and the failure rate of those only', () => {
    const data = plotData(series);
    expect(data.points).toEqual({ throughput: 2, failureRate: 2, runtime: 1, queueDepth: 3 });
    expect(data.failureRate.datasets[0]?.data).toEqual([{ x: 100, y: null }, { x: 110, y: 25 }, { x: 120, y: 100 }]);
    expect(data.runtime.labels).toEqual(['tasks.add', 'tasks.none']);
    expect(data.runtime.datasets.map((d) => [d.label, d.data[0]])).toEqual([['p50', 0.1], ['p90', 0.2], ['p99', 0.3]]);
    expect(data.queueDepth.datasets.map((d) => [d.label, d.data])).toEqual([['a', [{ x: 110, y: 5 }, { x: 120, y: 2 }]], ['b', [{ x: 110, y: 0 }]]]);
  });

  it('shares one time window, a step each side of a single instant', () => {
    expect(timeWindow(series)).toEqual({ min: 100, max: 120 });
    expect(timeWindow({ ...series, throughput: [], queueDepth: [{ t: 50, queue: 'a', depth: 1 }] })).toEqual({ min: 40, max: 60 });
    expect(timeWindow({ ...series, throughput: [], queueDepth: [] }, 1000)).toEqual({ min: 100, max: 1000 });
  });
});

describe('task filters', () => {
  it('match an id or a name substring, a state and an exact name', () => {
    const t = task('abc-123', 'tasks.add', 'SUCCESS', 1);
    expect(matchesFilter(t, { ...NO_FILTER, q: 'ABC' })).toBe(true);
    expect(matchesFilter(t, { ...NO_FILTER, q: 'ks.ad' })).toBe(true);
    expect(matchesFilter(t, { ...NO_FILTER, q: 'zzz' })).toBe(false);
    expect(matchesFilter(t, { ...NO_FILTER, state: 'FAILURE' })).toBe(false);
    expect(matchesFilter(t, { ...NO_FILTER, name: 'tasks.ad' })).toBe(false);
  });

  it('merge live changes newest first, dropping a task that no longer matches', () => {
    const filter = { ...NO_FILTER, state: 'STARTED' };
    const list = [task('a', 'n', 'STARTED', 2), task('b', 'n', 'STARTED', 1)];
    const merged = mergeTasks(list, [task('b', 'n', 'SUCCESS', 3), task('c', 'n', 'STARTED', 4)], filter, 10);
    expect(merged.map((t) => t.id)).toEqual(['c', 'a']);
    expect(mergeTasks(merged, [task('d', 'n', 'STARTED', 5)], filter, 2).map((t) => t.id)).toEqual(['d', 'c']);
  });

  it('skip a change older than the listed task (a search answer can be newer than a buffered change)', () => {
    const listed = [task('a', 'n', 'SUCCESS', 5)];
    expect(mergeTasks(listed, [task('a', 'n', 'STARTED', 4)], NO_FILTER, 10)[0]?.state).toBe('SUCCESS');
    expect(mergeTasks(listed, [task('a', 'n', 'STARTED', 4)], { ...NO_FILTER, state: 'SUCCESS' }, 10).map((t) => t.id)).toEqual(['a']);
    expect(mergeTasks(listed, [task('a', 'n', 'FAILURE', 5)], NO_FILTER, 10)[0]?.state).toBe('FAILURE');
  });
});

describe('action inputs', () => {
  const count = { key: 'n', label: 'Processes', initial: '1', kind: 'number' as const, required: true };
  it('send a count as a number and refuse anything but a positive whole number', () => {
    expect(readInputs([count], { n: ' 3 ' })).toEqual({ n: 3 });
    expect(readInputs([count], { n: '0' })).toBe('Processes must be a positive whole number');
    expect(readInputs([count], { n: '1.5' })).toBe('Processes must be a positive whole number');
    expect(readInputs([count], { n: '' })).toBe('Processes is required');
    expect(readInputs([{ ...count, kind: 'text', required: false }], { n: '' })).toEqual({});
  });
});

describe('action outcomes', () => {
  it("name a retry's new task and a purge's count, else say done", () => {
    expect(outcomeOf('retry', 'Retry t', { taskId: 'new-id', name: 't' })).toEqual({ message: 'Retry t: sent again as', taskId: 'new-id' });
    expect(outcomeOf('purge', 'Purge q', { queue: 'q', purged: 1 })).toEqual({ message: 'Purge q: 1 message deleted' });
    expect(outcomeOf('purge', 'Purge q', { queue: 'q', purged: 3 })).toEqual({ message: 'Purge q: 3 messages deleted' });
    expect(outcomeOf('purge', 'Purge q', undefined)).toEqual({ message: 'Purge q: done' });
    expect(outcomeOf('shutdown', 'Shut down w', { taskId: 'x' })).toEqual({ message: 'Shut down w: done' });
    expect(outcomeOf('rate-limit', 'Rate limit t', { replies: [{ 'a@h': { ok: 'new rate limit set successfully' } }, { 'b@h': { error: 'unknown task' } }] })).toEqual({ message: 'Rate limit t: a@h: new rate limit set successfully; b@h: unknown task' });
    expect(outcomeOf('rate-limit', 'Rate limit t', { replies: [] })).toEqual({ message: 'Rate limit t: no worker answered' });
  });
});

/** An EventSource stand-in the test drives. */
class FakeStream implements StreamSource {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, (event: MessageEvent<string>) => void>();
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, listener);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  emit(type: string, data: unknown): void {
    this.listeners.get(type)?.({ type, data: typeof data === 'string' ? data : JSON.stringify(data) } as MessageEvent<string>);
  }
  fail(closed: boolean): void {
    this.readyState = closed ? 2 : 0;
    this.onerror?.({} as Event);
  }
}

describe('live store', () => {
  function setup() {
    const streams: FakeStream[] = [];
    const timers: { run: () => void; ms: number }[] = [];
    const store = createLiveStore({
      openStream: () => {
        const stream = new FakeStream();
        streams.push(stream);
        return stream;
      },
      setTimer: (run, ms) => timers.push({ run, ms }),
      clearTimer: () => undefined,
    });
    return { store, streams, timers };
  }

  it('keeps the overview of the stream and hands changed tasks to subscribers', () => {
    const { store, streams } = setup();
    const seen: string[][] = [];
    store.subscribeTasks((changed) => seen.push(changed.map((t) => t.id)));
    store.start();
    streams[0]?.onopen?.({} as Event);
    streams[0]?.emit('overview', { now: 1, workers: [], queues: [], totals: { received: 1, succeeded: 1, failed: 0, active: 0 } });
    streams[0]?.emit('tasks', { tasks: [task('a', 'n', 'SUCCESS', 1)] });
    expect(store.state()).toMatchObject({ connected: true, error: null });
    expect(store.state().overview?.totals.received).toBe(1);
    expect(seen).toEqual([['a']]);
    streams[0]?.emit('tasks', 'not json');
    expect(store.state().error).toMatch(/bad tasks message/);
  });

  it('leaves reconnecting to EventSource while it retries, and opens a new one with a growing back-off once it gave up', () => {
    const { store, streams, timers } = setup();
    store.start();
    streams[0]?.fail(false);
    expect(store.state().connected).toBe(false);
    expect(timers).toEqual([]);
    streams[0]?.fail(true);
    expect(timers.map((t) => t.ms)).toEqual([1000]);
    timers[0]?.run();
    expect(streams).toHaveLength(2);
    streams[1]?.fail(true);
    expect(timers.map((t) => t.ms)).toEqual([1000, 2000]);
    timers[1]?.run();
    streams[2]?.emit('overview', { now: 1, workers: [], queues: [], totals: {} });
    streams[2]?.fail(true);
    expect(timers.map((t) => t.ms)).toEqual([1000, 2000, 1000]);
    store.stop();
    expect(streams[2]?.closed).toBe(true);
  });
});
