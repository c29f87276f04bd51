/** The beat takeover table of `latest.md`: takeover time as a ratio of the lease. */
import { formatSummary } from '../format.js';
import type { BeatResults } from './results.js';

export function renderBeat(results: BeatResults): string {
  const t = results.takeover;
  const ratio = t === undefined ? '–' : `${(t.median / results.leaseMs).toFixed(2)}×`;
  const intro =
    `${results.processes} \`celerity beat\` processes (lease ${results.leaseMs / 1000} s, poll ${results.pollMs / 1000} s) on the bench's Redis run a 1 s entry; the leader is killed with SIGKILL ${results.takeoversMs.length} time(s). ` +
    `Takeover: from the kill until another process holds the lease with a newer token; ratio: its median over the lease. Ticks are read back from the queue; lost: seconds between the first and the last tick that are not in it. Delivery: ${results.delivery === 'push' ? 'each tick claimed and LPUSHed in one Redis script' : results.delivery}.`;
  const table = `| takeover ms | takeover / lease | ticks | seconds sent twice | seconds lost | largest gap ms |\n|---:|---:|---:|---:|---:|---:|\n| ${t === undefined ? '–' : formatSummary(t)} | ${ratio} | ${results.ticks} | ${results.duplicates} | ${results.lost} | ${results.largestGapMs} |`;
  const errors = results.errors.length === 0 ? '' : `\n\nFailed: ${results.errors.map((e) => `${e.what}: ${e.message.split('\n')[0]}`).join('; ')}`;
  return `### Beat — leader takeover\n\n${intro}\n\n${table}${errors}`;
}
