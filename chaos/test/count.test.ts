import { describe, expect, it } from 'vitest';
import { countRun } from '../src/count.js';
import type { LedgerEvent } from '../src/ledger/record.js';
import { recoveries } from '../src/recovery.js';

const start = (id: string, pid: number, t: number): LedgerEvent => ({ kind: 'start', id, pid, t, retries: 0 });
const done = (id: string, pid: number, t: number): LedgerEvent => ({ kind: 'done', id, pid, t, retries: 0 });

/** One clean execution per id, on pid 1, at t = 10·i. */
function clean(ids: readonly string[]): LedgerEvent[] {
  return ids.flatMap((id, i) => [start(id, 1, i * 10), done(id, 1, i * 10 + 5)]);
}

describe('countRun', () => {
  const ids = ['a', 'b', 'c', 'd'];

  it('counts a clean run as all completed, nothing lost or duplicated', () => {
    const counts = countRun({ sent: ids, events: clean(ids), earlyAck: false });
    expect(counts).toMatchObject({ sent: 4, completed: 4, lost: 0, duplicated: 0, recovered: 0, unexpected: 0 });
  });

  it('counts a task run twice on purpose as duplicated, and re-run after done when the first run had finished', () => {
    const events = [...clean(ids), start('b', 2, 100), done('b', 2, 105)];
    const counts = countRun({ sent: ids, events, earlyAck: false });
    expect(counts).toMatchObject({ completed: 4, lost: 0, duplicated: 1, duplicatedAfterDone: 1, extraRuns: 1, maxRuns: 2 });
    expect(counts.duplicatedSamples).toEqual([{ id: 'b', runs: 2 }]);
  });

  it('counts a redone interrupted run as duplicated but not after done', () => {
    const events = [...clean(['a', 'c', 'd']), start('b', 1, 50), start('b', 2, 200), done('b', 2, 205)];
    const counts = countRun({ sent: ids, events, earlyAck: false });
    expect(counts).toMatchObject({ completed: 4, duplicated: 1, duplicatedAfterDone: 0 });
  });

  it('counts a task dropped on purpose as lost, and says it never started', () => {
    const counts = countRun({ sent: ids, events: clean(['a', 'b', 'd']), earlyAck: false });
    expect(counts).toMatchObject({ completed: 3, lost: 1, lostNeverStarted: 1, lostEarlyAckAllowed: 0 });
    expect(counts.lostSamples).toEqual([{ id: 'c', starts: [] }]);
  });

  it('counts a never-completed task found in the dead-letter queue as dead-lettered, not lost; a dead-lettered poison apart', () => {
    const events = [...clean(['a', 'b', 'd']), start('c', 7, 100), start('p', 8, 100)];
    const counts = countRun({ sent: [...ids, 'p'], events, earlyAck: false, poison: ['p'], deadLettered: ['c', 'p'] });
    expect(counts).toMatchObject({ completed: 3, lost: 0, deadLettered: 1, poisonDeadLettered: 1, poisonRuns: 1 });
  });

  it('allows losing a task whose run died with its process only under early acks', () => {
    const events = [...clean(['a', 'b', 'd']), start('c', 7, 100)];
    const deaths = [{ pid: 7, at: 120, cause: 'killed by harness' as const }];
    expect(countRun({ sent: ids, events, deaths, earlyAck: true })).toMatchObject({ lost: 0, lostEarlyAckAllowed: 1 });
    expect(countRun({ sent: ids, events, deaths, earlyAck: false })).toMatchObject({ lost: 1, lostNeverStarted: 0, lostEarlyAckAllowed: 0 });
  });

  it('does not excuse an early-ack task that started after its process died (it was not running when the process died)', () => {
    const events = [...clean(['a', 'b', 'd']), start('c', 7, 300)];
    const counts = countRun({ sent: ids, events, deaths: [{ pid: 7, at: 120, cause: 'died' }], earlyAck: true });
    expect(counts).toMatchObject({ lost: 1, lostEarlyAckAllowed: 0 });
  });

  it('counts tasks in flight at a fault that completed after it as recovered', () => {
    const events = [start('a', 1, 0), done('a', 1, 5), start('b', 1, 10), start('b', 2, 40), done('b', 2, 45), start('c', 1, 12), done('c', 1, 50)];
    const counts = countRun({ sent: ['a', 'b', 'c'], events, faults: [{ kind: 'kill', at: 20, pid: 1, label: 'kill' }], earlyAck: false });
    expect(counts.recovered).toBe(2);
  });

  it('tells tasks that ran despite a failed publish from tasks nobody sent', () => {
    const events = [...clean(['a', 'b']), ...clean(['x']).map((e) => ({ ...e, t: e.t + 100 })), ...clean(['zzz']).map((e) => ({ ...e, t: e.t + 200 }))];
    const counts = countRun({ sent: ['a', 'b'], publishFailed: ['x', 'y'], events, earlyAck: false });
    expect(counts).toMatchObject({ sent: 2, publishFailed: 2, completed: 2, lost: 0, ranDespitePublishError: 1, unexpected: 1 });
  });

  it('leaves poison out of every count but its runs', () => {
    const events = [...clean(['a']), start('p', 1, 100), start('p', 2, 200), start('p', 3, 300)];
    const counts = countRun({ sent: ['a', 'p'], events, poison: ['p'], earlyAck: false });
    expect(counts).toMatchObject({ sent: 1, completed: 1, lost: 0, duplicated: 0, poisonRuns: 3 });
  });
});

describe('recoveries', () => {
  // 10 completions a second for 3 s, nothing for 2 s after a fault at 3000, then 10 a second again.
  const events: LedgerEvent[] = [];
  for (let t = 0; t < 3000; t += 100) events.push(start(`x${t}`, 1, t), done(`x${t}`, 1, t + 1));
  events.push(start('held', 1, 2950));
  for (let t = 5000; t < 9000; t += 100) events.push(start(`y${t}`, 2, t), done(`y${t}`, 2, t + 1));
  events.push(done('held', 2, 6000));
  const fault = { kind: 'kill' as const, at: 3000, pid: 1, label: 'kill' };

  it('measures the first completion, the throughput coming back and the in-flight tasks recovered', () => {
    const [r] = recoveries(events, [fault]);
    // The 1 s window starting 1.8 s after the fault holds 8 completions (5001…5701): 80 % of 10/s.
    expect(r).toMatchObject({ firstCompletionMs: 2001, throughputBackMs: 1800, inFlight: 1, inFlightRecoveredMs: 3000, drained: false });
    expect(r!.preFaultRate).toBeCloseTo(10, 5);
  });

  it('tells a rate that never came back from a run that ran out of work', () => {
    // 10/s before the fault, 2/s for 20 s after it: too slow to count as back.
    const slow: LedgerEvent[] = events.filter((e) => e.id.startsWith('x'));
    for (let t = 3500; t < 23_500; t += 500) slow.push(start(`z${t}`, 2, t), done(`z${t}`, 2, t + 1));
    const [stalled] = recoveries(slow, [fault]);
    expect(stalled).toMatchObject({ throughputBackMs: null, drained: false });
    const [finished] = recoveries(slow, [fault], new Set(), true);
    expect(finished).toMatchObject({ throughputBackMs: null, drained: true });
  });

  it('says never when an in-flight task never completed', () => {
    const [r] = recoveries(events.filter((e) => !(e.id === 'held' && e.kind === 'done')), [fault]);
    expect(r!.inFlightRecoveredMs).toBeNull();
  });
});
