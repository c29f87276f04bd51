/** A small, hand-made run result for the report and plot tests. */
import { QUICK } from '../src/config.js';
import type { BenchResults, ProcessFigures } from '../src/results.js';
import { summarize } from '../src/stats.js';

function processAt(rates: number[], rss: number): ProcessFigures {
  return { throughput: summarize(rates), peakRssBytes: rss, workerCpuUs: summarize([40]), redisCpuUs: summarize([10]), redisCommands: summarize([3]) };
}

/** BullMQ and Celerity with known figures: Celerity is 2× at c=100, 0.5× at c=1. */
export function sampleResults(): BenchResults {
  return {
    startedAt: '2026-01-02T03:04:05.000Z',
    finishedAt: '2026-01-02T03:05:05.000Z',
    config: QUICK,
    machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, os: 'Linux 6', node: 'v20.0.0', redis: '7.0.15', loadAverage: 0.5 },
    systems: [
      { name: 'bullmq', label: 'bullmq 6.7.0', notes: [] },
      { name: 'celerity', label: 'celerity', notes: ['a note'] },
    ],
    enqueue: {
      bullmq: { one: summarize([1000, 1100, 900]), bulk: summarize([30_000, 31_000, 29_000]) },
      celerity: { one: summarize([1500, 1400, 1600]), bulk: summarize([120_000, 110_000, 130_000]) },
    },
    process: {
      bullmq: { '1': processAt([6000, 6100, 5900], 100 * 2 ** 20), '10': processAt([20_000], 110 * 2 ** 20), '100': processAt([25_000, 24_000, 26_000], 120 * 2 ** 20) },
      celerity: { '1': processAt([3000, 3100, 2900], 90 * 2 ** 20), '10': processAt([30_000], 100 * 2 ** 20), '100': processAt([50_000, 48_000, 52_000], 130 * 2 ** 20) },
    },
    roundTrip: {
      bullmq: { p50: summarize([0.8, 0.7, 0.9]), p99: summarize([4, 5, 3]), samples: [200, 200, 200] },
      celerity: { p50: summarize([0.4, 0.3, 0.5]), p99: summarize([2, 2, 2]), samples: [200, 200, 200] },
    },
    bytes: {
      bullmq: { queued: summarize([250, 250, 250]), result: summarize([500, 500, 500]) },
      celerity: { queued: summarize([1000, 1000, 1000]), result: summarize([300, 300, 300]) },
    },
    errors: [],
  };
}
