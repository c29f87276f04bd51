import { describe, expect, it } from 'vitest';
import { logAxis, renderThroughputSvg } from '../src/plot.js';
import { sampleResults } from './fixtures.js';

function points(svg: string, color: string): Array<[number, number]> {
  const match = new RegExp(`<polyline points="([^"]+)" fill="none" stroke="${color}"`).exec(svg);
  if (!match) throw new Error(`no line in ${color}`);
  return match[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

describe('logAxis', () => {
  it('spans whole decades around the values, ticks at 1, 2 and 5', () => {
    expect(logAxis(3000, 200_000)).toEqual({ low: 1000, high: 1_000_000, ticks: [1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000] });
    expect(logAxis(1000, 1000)).toEqual({ low: 1000, high: 10_000, ticks: [1000, 2000, 5000, 10_000] });
  });
});

describe('renderThroughputSvg', () => {
  it('draws one line per system through its medians, left to right by concurrency', () => {
    const svg = renderThroughputSvg(sampleResults());
    const bull = points(svg, '#d62728');
    const cel = points(svg, '#1f77b4');
    expect(bull).toHaveLength(3);
    expect(cel).toHaveLength(3);
    expect(bull[0]![0]).toBeLessThan(bull[1]![0]);
    // SVG y grows downwards: Celerity's 50k at c=100 sits above BullMQ's 25k, below it at c=1.
    expect(cel[2]![1]).toBeLessThan(bull[2]![1]);
    expect(cel[0]![1]).toBeGreaterThan(bull[0]![1]);
    expect(svg).toContain('>celerity</text>');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
  it('escapes text and says so when nothing was processed', () => {
    const results = sampleResults();
    results.process = {};
    results.machine.cpu = 'A<B & "C"';
    const svg = renderThroughputSvg(results);
    expect(svg).toContain('no processing figures');
    expect(svg).toContain('A&#60;B &#38; &#34;C&#34;');
    expect(svg).not.toContain('<polyline');
  });
});
