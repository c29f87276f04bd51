import { describe, expect, it } from 'vitest';
import { rawTaskMessage } from '../src/amqp/raw.js';
import { checkAmqpTargets, renderAmqp } from '../src/amqp/report.js';
import { MINIMAL_KEY } from '../src/amqp/results.js';
import type { AmqpResults, AmqpRow } from '../src/amqp/results.js';
import { amqpSizes } from '../src/amqp/sizes.js';
import { FULL, QUICK } from '../src/config.js';
import { renderTables } from '../src/report-md.js';
import { summarize } from '../src/stats.js';
import { sampleResults } from './fixtures.js';

function row(system: AmqpRow['system'], measure: AmqpRow['measure'], key: string, rates: number[]): AmqpRow {
  return { system, measure, setting: key, key, rate: summarize(rates) };
}

/** Celerity at 0.9× the raw publish and 0.5× the raw prefetch-100 consume: both targets missed. */
function sample(): AmqpResults {
  return {
    rabbitmq: '3.10.8',
    sizes: amqpSizes(QUICK),
    rows: [
      row('raw-amqplib', 'publish-bulk', 'raw-amqplib/publish-bulk', [20_000, 19_000, 21_000]),
      row('raw-amqplib', 'publish-bulk', MINIMAL_KEY, [40_000]),
      row('raw-amqplib', 'process', 'raw-amqplib/process/1', [5000]),
      row('raw-amqplib', 'process', 'raw-amqplib/process/100', [30_000]),
      { ...row('celerity', 'publish-bulk', 'celerity/publish-bulk', [18_000]), clientCpuUs: summarize([8, 9, 7]) },
      { ...row('celerity', 'process', 'celerity/process/25', [15_000]), workerCpuUs: summarize([30]), peakRssBytes: 128 * 2 ** 20 },
    ],
    errors: [],
  };
}

describe('RabbitMQ report', () => {
  it('checks Celerity against raw amqplib of the same kind', () => {
    const [publish, process] = checkAmqpTargets(sample());
    expect(publish).toMatchObject({ goal: '≥ 1.0×', met: false });
    expect(publish!.ratio).toBeCloseTo(0.9, 5);
    expect(process).toMatchObject({ goal: '≥ 0.8×', met: false });
    expect(process!.ratio).toBeCloseTo(0.5, 5);
  });

  it('leaves a target open when a row is missing', () => {
    const results = sample();
    results.rows = results.rows.filter((r) => r.key !== 'raw-amqplib/process/100');
    expect(checkAmqpTargets(results)[1]).toMatchObject({ ratio: null, met: null });
  });

  it('meets the publish target at 1.0× and above', () => {
    const results = sample();
    results.rows = results.rows.map((r) => (r.key === 'celerity/publish-bulk' ? { ...r, rate: summarize([20_000]) } : r));
    expect(checkAmqpTargets(results)[0]).toMatchObject({ ratio: 1, met: true });
  });

  it('renders ratios, the targets, the minimal-message comparison and failures', () => {
    const results = sample();
    results.errors.push({ system: 'celery-node', what: 'process', message: 'boom\nstack' });
    const md = renderAmqp(results);
    expect(md).toContain('| raw-amqplib | process | raw-amqplib/process/1 | 5,000 | 0.17× | — | — |');
    expect(md).toContain('| celerity | process | celerity/process/25 | 15,000 | 0.50× | 30 | 128 |');
    expect(md).toContain('| celerity | publish, pipelined | celerity/publish-bulk | 18,000 | 0.90× | 8 (7–9) | — |');
    expect(md).toContain('| raw-amqplib | publish, pipelined | raw-amqplib/publish-bulk | 20,000 (19,000–21,000) | 1.00× | — | — |');
    expect(md).toContain('| raw-amqplib | publish, pipelined | raw-amqplib/publish-bulk-minimal | 40,000 | 2.00× |');
    expect(md).toMatch(/RabbitMQ process .* \| ≥ 0\.8× \| 0\.50× \| \*\*missed\*\* \|/);
    expect(md).toMatch(/RabbitMQ publish .* \| ≥ 1\.0× \| 0\.90× \| \*\*missed\*\* \|/);
    expect(md).toContain('pipelined publish is 0.45×');
    expect(md).toContain('Failed: celery-node process: boom');
    expect(md).not.toContain('stack');
  });

  it('is part of the report tables only when the run measured it', () => {
    expect(renderTables(sampleResults())).not.toContain('RabbitMQ');
    expect(renderTables({ ...sampleResults(), amqp: sample() })).toContain('### 5. RabbitMQ');
  });

  it('sizes quick runs smaller than full ones', () => {
    expect(amqpSizes(QUICK).processJobs).toBeLessThan(amqpSizes(FULL).processJobs);
    expect(amqpSizes(FULL).reps).toBe(FULL.reps);
  });
});

describe('rawTaskMessage', () => {
  it('carries the task headers of a lean Celerity message and a protocol-2 body', () => {
    const { body, options } = rawTaskMessage(7);
    expect(JSON.parse(body.toString())).toEqual([[7, 7], {}, {}]);
    expect(options).toMatchObject({ deliveryMode: 2, priority: 0, contentType: 'application/json', contentEncoding: 'utf-8' });
    const headers = options.headers as Record<string, unknown>;
    expect(Object.keys(headers)).toEqual(['task', 'id', 'argsrepr', 'kwargsrepr']);
    expect(headers).toMatchObject({ task: 'tasks.add', argsrepr: '[7, 7]', kwargsrepr: '{}' });
    expect(rawTaskMessage(7).options.headers!.id).not.toBe(headers.id);
    expect(rawTaskMessage(7, false, 'fixed').options.headers!.id).toBe('fixed');
  });
  it('has no headers in its minimal form', () => {
    expect(rawTaskMessage(1, true).options).toEqual({ persistent: true });
  });
});
