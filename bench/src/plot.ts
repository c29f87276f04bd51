/** Draws throughput by concurrency per system as a hand-written SVG line chart (no plotting deps). */
import type { BenchResults } from './results.js';
import type { SystemName } from './system.js';

const COLORS: Record<SystemName, string> = {
  bullmq: '#d62728',
  'bee-queue': '#ff7f0e',
  'celery-node': '#8c564b',
  'raw-ioredis': '#7f7f7f',
  'raw-ioredis-x100': '#bcbd22',
  celerity: '#1f77b4',
};

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A log axis covering `min`–`max`: whole decades, with ticks at 1, 2 and 5 times each power of ten.
 * @example
 * logAxis(3000, 200_000); // { low: 1000, high: 1_000_000, ticks: [1000, 2000, 5000, 10000, …, 1000000] }
 */
export function logAxis(min: number, max: number): { low: number; high: number; ticks: number[] } {
  const low = 10 ** Math.floor(Math.log10(min > 0 ? min : 1));
  const high = Math.max(low * 10, 10 ** Math.ceil(Math.log10(max > 0 ? max : 1)));
  const ticks: number[] = [];
  for (let decade = low; decade < high; decade *= 10) ticks.push(decade, decade * 2, decade * 5);
  ticks.push(high);
  return { low, high, ticks };
}

/** Tick label: `150k`, `2.5k`, `800`. */
function tickLabel(value: number): string {
  return value >= 1e6 ? `${value / 1e6}M` : value >= 1000 ? `${value / 1000}k` : String(value);
}

/**
 * The SVG document (an empty chart with a message when nothing was processed).
 * @example
 * await writeFile('results/throughput.svg', renderThroughputSvg(results));
 */
export function renderThroughputSvg(results: BenchResults): string {
  const width = 760;
  const height = 440;
  const m = { left: 70, right: 190, top: 56, bottom: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const levels = results.config.concurrency;
  const series = results.systems
    .map((s) => ({ name: s.name, figures: results.process[s.name] }))
    .filter((s): s is { name: SystemName; figures: NonNullable<typeof s.figures> } => s.figures !== undefined);
  const values = series.flatMap((s) => Object.values(s.figures).flatMap((f) => [f.throughput.min, f.throughput.max])).filter((v) => v > 0);
  // Log scale: the floors run 10–20× faster than the queues, which would flatten them on a linear axis.
  const axis = logAxis(Math.min(...values, 1000), Math.max(...values, 1000));
  const x = (i: number): number => m.left + (levels.length === 1 ? plotW / 2 : (i * plotW) / (levels.length - 1));
  const span = Math.log10(axis.high) - Math.log10(axis.low);
  const y = (v: number): number => m.top + plotH - ((Math.log10(Math.max(v, axis.low)) - Math.log10(axis.low)) / span) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${m.left}" y="22" font-size="15" font-weight="bold">Processing throughput by worker concurrency (jobs/s, log scale)</text>`);
  out.push(
    `<text x="${m.left}" y="40" fill="#555">${escapeXml(`${results.config.processJobs.toLocaleString('en-US')} jobs, results kept; median of ${results.config.reps}, bars min–max; ${results.machine.cores} × ${results.machine.cpu}, Redis ${results.machine.redis}`)}</text>`,
  );
  for (const value of axis.ticks) {
    const yy = y(value).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#333">${tickLabel(value)}</text>`);
  }
  levels.forEach((level, i) => {
    out.push(`<line x1="${x(i).toFixed(1)}" x2="${x(i).toFixed(1)}" y1="${m.top + plotH}" y2="${m.top + plotH + 5}" stroke="#333"/>`);
    out.push(`<text x="${x(i).toFixed(1)}" y="${m.top + plotH + 20}" text-anchor="middle" fill="#333">${level}</text>`);
  });
  out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#333"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle" fill="#333">worker concurrency</text>`);
  if (series.length === 0) out.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH / 2}" text-anchor="middle" fill="#999">no processing figures in this run</text>`);
  series.forEach((s, index) => {
    const color = COLORS[s.name];
    const points = levels.map((level, i) => ({ i, f: s.figures[String(level)] })).filter((p) => p.f !== undefined);
    if (points.length > 1) {
      const path = points.map((p) => `${x(p.i).toFixed(1)},${y(p.f!.throughput.median).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const p of points) {
      const t = p.f!.throughput;
      const xx = x(p.i).toFixed(1);
      out.push(`<line x1="${xx}" x2="${xx}" y1="${y(t.min).toFixed(1)}" y2="${y(t.max).toFixed(1)}" stroke="${color}" stroke-width="1.5"/>`);
      out.push(`<circle cx="${xx}" cy="${y(t.median).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(`${s.name} c=${levels[p.i]}: ${Math.round(t.median)} jobs/s`)}</title></circle>`);
    }
    const ly = m.top + 10 + index * 22;
    out.push(`<line x1="${m.left + plotW + 20}" x2="${m.left + plotW + 44}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${m.left + plotW + 50}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
