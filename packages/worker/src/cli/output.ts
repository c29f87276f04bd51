/**
 * How the commands write for people and for scripts: colours and aligned tables when the stream is
 * a terminal (picocolors, cli-table3), plain text otherwise; a progress bar (cli-progress) on a
 * terminal's stderr only, so stdout stays what a script reads.
 */
import pc from 'picocolors';
import Table from 'cli-table3';
import cliProgress from 'cli-progress';

/** Colour functions for one stream (identity functions when it gets none). */
export type Colors = ReturnType<typeof pc.createColors>;

/** Set by `--no-color`. */
let colorsOff = false;

/** `--no-color`: no colour on any stream from now on. */
export function disableColors(): void {
  colorsOff = true;
}

/** A stream's colours: real ones on a terminal unless NO_COLOR or `--no-color`, identity functions otherwise. */
export function colorsFor(stream: NodeJS.WriteStream): Colors {
  const env = process.env;
  const forced = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0';
  // no-color.org: NO_COLOR set to anything but the empty string turns colours off.
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  const enabled = !colorsOff && !noColor && (forced || stream.isTTY === true);
  return pc.createColors(enabled);
}

/** Columns aligned under a header: a boxed table on a terminal, space-separated columns otherwise. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>, stream: NodeJS.WriteStream = process.stdout): string {
  if (stream.isTTY === true) {
    const colors = colorsFor(stream);
    const table = new Table({ head: header.map((h) => colors.bold(h)), style: { head: [], border: [] } });
    for (const row of rows) table.push(row.map(String));
    return `${table.toString()}\n`;
  }
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? String(cell) : String(cell).padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** Progress of long work; does nothing when stderr is not a terminal. */
export interface Progress {
  advance(by: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr for `total` steps, when stderr is a terminal and the work is long
 * enough to be worth one (`total` ≥ `threshold`); otherwise a progress that shows nothing.
 */
export function startProgress(label: string, total: number, threshold = 1): Progress {
  if (process.stderr.isTTY !== true || total < threshold) return { advance: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: false });
  bar.start(total, 0);
  return {
    advance: (by) => bar.increment(by),
    stop: () => bar.stop(),
  };
}
