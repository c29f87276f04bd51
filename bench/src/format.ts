/** How figures are written in the bench's Markdown tables, shared by every section's report. */
import type { Summary } from './stats.js';

/** `12,345` for big numbers, 3 significant digits below 100. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  const text = value.toPrecision(3);
  return text.includes('.') && !text.includes('e') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** `median (min–max)`, or `—`. */
export function formatSummary(summary: Summary | undefined, scale = 1): string {
  if (!summary || summary.reps.length === 0) return '—';
  const m = formatNumber(summary.median / scale);
  if (summary.reps.length === 1) return m;
  return `${m} (${formatNumber(summary.min / scale)}–${formatNumber(summary.max / scale)})`;
}

/** `2.13×`, or `—` when there is no base figure. */
export function formatRatio(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(2)}×`;
}
