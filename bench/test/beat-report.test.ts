import { describe, expect, it } from 'vitest';
import { renderBeat } from '../src/beat/report.js';
import { summarize } from '../src/stats.js';

describe('renderBeat', () => {
  it('shows the takeover time and its ratio to the lease, and the tick counts', () => {
    const md = renderBeat({ leaseMs: 1000, pollMs: 100, processes: 3, takeoversMs: [948, 998], takeover: summarize([948, 998]), delivery: 'push', ticks: 7, duplicates: 0, lost: 1, largestGapMs: 2000, errors: [] });
    expect(md).toContain('### Beat — leader takeover');
    expect(md).toContain('Delivery: each tick claimed and LPUSHed in one Redis script.');
    expect(md).toMatch(/\| 973 \(948.998\) \| 0\.97× \| 7 \| 0 \| 1 \| 2000 \|/);
  });

  it('says what failed, and shows no ratio without a takeover', () => {
    const md = renderBeat({ leaseMs: 1000, pollMs: 100, processes: 3, takeoversMs: [], takeover: undefined, delivery: 'unknown', ticks: 0, duplicates: 0, lost: 0, largestGapMs: 0, errors: [{ what: 'takeover', message: 'no takeover within 10000 ms\nmore' }] });
    expect(md).toContain('| – | – | 0 | 0 | 0 | 0 |');
    expect(md).toContain('Failed: takeover: no takeover within 10000 ms');
  });
});
