import { describe, expect, it } from 'vitest';
import { FULL, QUICK } from '../src/config.js';
import { bytesPerTask, farEtaSizes, sampleLargest } from '../src/far-eta/measure.js';
import { renderFarEta } from '../src/far-eta/report.js';

describe('farEtaSizes', () => {
  it('sends a million tasks a day ahead in a full run, 50,000 in a quick one', () => {
    expect(farEtaSizes(FULL)).toMatchObject({ tasks: 1_000_000, delayS: 86_400, parkEtaAfter: 3600 });
    expect(farEtaSizes(QUICK)).toMatchObject({ tasks: 50_000, delayS: 86_400 });
  });
});

describe('bytesPerTask', () => {
  it('divides the growth of used_memory by the task count', () => {
    expect(bytesPerTask(1_000_000, 501_000_000, 1_000_000)).toBe(500);
    expect(bytesPerTask(1000, 2000, 0)).toBeNaN();
  });
});

describe('sampleLargest', () => {
  it('samples at once, then every interval until the duration is over, and keeps the largest readable value', async () => {
    const values = [10, undefined, 30, 20, 5];
    const slept: number[] = [];
    let reads = 0;
    const largest = await sampleLargest({
      read: async () => values[reads++],
      durationMs: 1000,
      everyMs: 250,
      sleep: async (ms) => void slept.push(ms),
    });
    expect(largest).toBe(30);
    expect(reads).toBe(5);
    expect(slept).toEqual([250, 250, 250, 250]);
  });
  it('ends the last wait at the duration, and gives NaN when nothing could be read', async () => {
    const slept: number[] = [];
    const largest = await sampleLargest({ read: async () => undefined, durationMs: 600, everyMs: 250, sleep: async (ms) => void slept.push(ms) });
    expect(largest).toBeNaN();
    expect(slept).toEqual([250, 250, 100]);
  });
});

describe('renderFarEta', () => {
  it('gives bytes per task and enqueue rate against BullMQ, worker memory idle and beside the tasks, and how each system stores them', () => {
    const md = renderFarEta({
      sizes: { tasks: 1000, delayS: 86_400, parkEtaAfter: 3600, holdMs: 3000 },
      rows: [
        { system: 'celerity', enqueuePerS: 90_000, usedMemoryBytes: 600_000, keys: 2, idleRssBytes: 80 * 2 ** 20, idleCpuMs: 20, holdingRssBytes: 81 * 2 ** 20, holdingCpuMs: 30, holdingRedisCpuMs: 5 },
        { system: 'bullmq', enqueuePerS: 30_000, usedMemoryBytes: 400_000, keys: 1004, idleRssBytes: 70 * 2 ** 20, idleCpuMs: 4, holdingRssBytes: 71 * 2 ** 20, holdingCpuMs: 40, holdingRedisCpuMs: 8 },
      ],
      errors: [],
    });
    expect(md).toContain('1,000 tasks due 24 h ahead');
    expect(md).toContain('| celerity | 90,000 | 3.00× | 600 | 1.50× | 2 | 80 | 81 | 20 | 30 | 5 |');
    expect(md).toContain('| bullmq | 30,000 | 1.00× | 400 | 1.00× | 1,004 | 70 | 71 | 4 | 40 | 8 |');
    expect(md).toContain('`_celerity.parked`');
    expect(md).toContain('`bull:<queue>:delayed`');
    expect(md).toContain('`parkEtaAfter: 3600`');
  });
});
