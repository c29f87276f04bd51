import { describe, expect, it } from 'vitest';
import { createSlotGate } from '../src/slot-gate.js';
import { settle } from './event-loop.js';

/** A run the test finishes by hand. */
interface Run {
  job: number;
  release: () => void;
  finish: (value: string) => void;
  fail: (error: Error) => void;
}

function setup(concurrency: number, skip?: (job: number) => boolean) {
  const runs: Run[] = [];
  const results: Array<string | undefined> = [];
  const failures: Array<{ error: unknown; job: number }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const gate = createSlotGate<number, string>({
    concurrency,
    run: (job, release) =>
      new Promise<string>((resolve, reject) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        let done = false;
        const leave = (): void => {
          if (!done) inFlight--;
          done = true;
        };
        runs.push({
          job,
          release: () => {
            leave();
            release();
          },
          finish: (value) => {
            leave();
            resolve(value);
          },
          fail: (error) => {
            leave();
            reject(error);
          },
        });
      }),
    settled: (result) => results.push(result),
    failed: (error, job) => failures.push({ error, job }),
    ...(skip ? { skip } : {}),
  });
  return { gate, runs, results, failures, maxInFlight: () => maxInFlight };
}

describe('slot gate', () => {
  it('never runs more than `concurrency` at once, and starts the next as each finishes', async () => {
    const { gate, runs, results, maxInFlight } = setup(3);
    for (let job = 0; job < 10; job++) gate.push(job);
    expect(runs.map((r) => r.job)).toEqual([0, 1, 2]);
    expect(gate.active).toBe(3);
    expect(gate.waiting).toBe(7);
    for (let i = 0; i < 10; i++) {
      runs[i]!.finish(`r${i}`);
      await settle(1);
      expect(gate.active).toBeLessThanOrEqual(3);
    }
    expect(runs.map((r) => r.job)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(maxInFlight()).toBe(3);
    expect(results).toHaveLength(10);
    expect(gate.running).toBe(0);
    await gate.settledAll();
  });

  it('lets a run give its slot back before it settles, and still waits for it in settledAll', async () => {
    const { gate, runs } = setup(1);
    gate.push(1);
    gate.push(2);
    expect(runs.map((r) => r.job)).toEqual([1]);
    runs[0]!.release();
    expect(runs.map((r) => r.job)).toEqual([1, 2]);
    expect(gate.active).toBe(1);
    expect(gate.running).toBe(2);
    runs[0]!.release(); // a second release is ignored: job 2 keeps its slot
    gate.push(3);
    expect(runs).toHaveLength(2);
    let allSettled = false;
    void gate.settledAll().then(() => (allSettled = true));
    runs[1]!.finish('two');
    await settle();
    expect(runs.map((r) => r.job)).toEqual([1, 2, 3]);
    runs[2]!.finish('three');
    await settle();
    expect(allSettled).toBe(false);
    runs[0]!.finish('one');
    await settle();
    expect(allSettled).toBe(true);
  });

  it('frees the slot of a run that rejects, and reports it as a failure of the machinery', async () => {
    const { gate, runs, results, failures } = setup(1);
    gate.push(1);
    gate.push(2);
    const error = new Error('bug');
    runs[0]!.fail(error);
    await settle();
    expect(failures).toEqual([{ error, job: 1 }]);
    expect(results).toEqual([undefined]);
    expect(runs.map((r) => r.job)).toEqual([1, 2]);
  });

  it('drops the jobs `skip` names instead of starting them', () => {
    const { gate, runs } = setup(1, (job) => job % 2 === 1);
    for (let job = 0; job < 4; job++) gate.push(job);
    runs[0]!.release();
    expect(runs.map((r) => r.job)).toEqual([0, 2]);
    expect(gate.waiting).toBe(1);
  });

  it('starts nothing once closed, and hands back what waits', async () => {
    const { gate, runs } = setup(1);
    gate.push(1);
    gate.push(2);
    gate.close();
    gate.push(3);
    runs[0]!.finish('one');
    await settle();
    expect(runs).toHaveLength(1);
    expect(gate.takeWaiting()).toEqual([2, 3]);
    expect(gate.waiting).toBe(0);
  });
});
