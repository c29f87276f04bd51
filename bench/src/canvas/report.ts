/** The canvas table: a chord and a chain against as many plain tasks, on Celerity's and on Python Celery's worker. */
import { formatNumber, formatRatio, formatSummary } from '../format.js';
import { ratio } from '../stats.js';
import type { CanvasResults } from './results.js';

/** The Markdown section of the canvas rows. */
export function renderCanvas(canvas: CanvasResults): string {
  const { sizes } = canvas;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const celerity = canvas.rows.find((r) => r.worker === 'celerity');
  const rows = canvas.rows.map((r) =>
    line([
      r.worker,
      formatSummary(r.chord, 1000),
      formatSummary(r.chordPlain, 1000),
      formatRatio(ratio(r.chord?.median, r.chordPlain?.median)),
      formatRatio(ratio(r.chord?.median, celerity?.chord?.median)),
      formatSummary(r.chain, 1000),
      formatSummary(r.chainPlain, 1000),
      formatRatio(ratio(r.chain?.median, r.chainPlain?.median)),
      formatRatio(ratio(r.chain?.median, celerity?.chain?.median)),
    ]),
  );
  const python = 'celery' in canvas.python ? `Python Celery ${canvas.python.celery}, prefork pool, ${sizes.pythonConcurrency} processes` : `Python Celery did not run: ${canvas.python.unavailable}`;
  const errors = canvas.errors.map((e) => `- ${e.row}: ${e.message.split('\n')[0]}`);
  return [
    `### Canvas — seconds from the first send to the final result (lower is better)`,
    '',
    `A chord of ${formatNumber(sizes.chord)} \`add(i, i)\` header tasks whose body checks it got every result in header order, and a chain of ${formatNumber(sizes.chain)} \`add\` steps, each against as many plain \`add\` tasks sent at once, all sent by Celerity's client through the bench's Redis (broker and results); ${sizes.reps} repetition(s) each. Workers: Celerity (async pool, concurrency ${sizes.celerityConcurrency}, its own process) and ${python}.`,
    '',
    line(['worker', 'chord', 'plain tasks', 'chord × plain', 'chord × Celerity', 'chain', 'plain tasks', 'chain × plain', 'chain × Celerity']),
    line(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows,
    ...(errors.length > 0 ? ['', 'Failed runs:', ...errors] : []),
  ].join('\n');
}
