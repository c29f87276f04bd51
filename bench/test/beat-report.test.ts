import { describe, expect, it } from 'vitest';
import { renderBeat } from '../src/beat/report.js';
import { summarize } from '../src/stats.js';

describe('renderBeat', () => {
  it('shows the takeover time and its ratio to the lease, and the tick counts', () => {
    const md = renderBeat({ leaseMs: 1000, pollMs: 100, processes: 3, takeoversMs: [948, 998], takeover: summarize([948, 998]), ticks: 7, duplicates: 0, largestGapMs: 1000, errors: [] });
    expect(md).toContain('### Beat — leader takeover');
    expect(md).toMatch(/\| 973 \(948.998\) \| 0\.97× \| 7 \| 0 \| 1000 \|/);
  });

  it('says what failed, and shows no ratio without a takeover', () => {
    const md = renderBeat({ leaseMs: 1000, pollMs: 100, processes: 3, takeoversMs: [], takeover: undefined, ticks: 0, duplicates: 0, largestGapMs: 0, errors: [{ what: 'takeover', message: 'no takeover within 10000 ms\nmore' }] });
    expect(md).toContain('| – | – | 0 | 0 | 0 |');
    expect(md).toContain('Failed: takeover: no takeover within 10000 ms');
  });
});
