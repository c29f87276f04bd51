/**
 * `node --import tsx src/profile-summary.ts <file.cpuprofile> [top]`: self time of a V8 CPU profile
 * grouped by function and by source file, to find what a worker spends its time on.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** Self time (µs) per key, largest first. */
export interface ProfileRow {
  key: string;
  micros: number;
  share: number;
}

/** Shortens a script URL to `pkg/file` (node_modules package or workspace path). */
export function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const modules = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (modules) return `${modules[1]}/${modules[2]}`;
  const workspace = /\/(packages|bench)\/(.*)$/.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  return url.replace(/^file:\/\//, '');
}

/** Aggregates self time by function (`byFunction`) and by file (`byFile`). */
export function summarizeProfile(profile: CpuProfile): { byFunction: ProfileRow[]; byFile: ProfileRow[]; totalMicros: number } {
  const totalHits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const totalMicros = profile.endTime - profile.startTime;
  const perHit = totalHits > 0 ? totalMicros / totalHits : 0;
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const where = shortUrl(node.callFrame.url);
    const name = node.callFrame.functionName || '(anonymous)';
    const key = node.callFrame.url ? `${name}  ${where}:${node.callFrame.lineNumber + 1}` : name;
    fn.set(key, (fn.get(key) ?? 0) + hits * perHit);
    file.set(where, (file.get(where) ?? 0) + hits * perHit);
  }
  const rows = (map: Map<string, number>): ProfileRow[] =>
    [...map].map(([key, micros]) => ({ key, micros, share: totalMicros > 0 ? micros / totalMicros : 0 })).sort((a, b) => b.micros - a.micros);
  return { byFunction: rows(fn), byFile: rows(file), totalMicros };
}

async function main(): Promise<void> {
  const [path, topArg] = process.argv.slice(2);
  if (!path) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const summary = summarizeProfile(JSON.parse(await readFile(path, 'utf8')) as CpuProfile);
  const print = (title: string, rows: ProfileRow[]): void => {
    console.log(`\n${title}`);
    for (const row of rows.slice(0, top)) console.log(`${(row.share * 100).toFixed(1).padStart(5)}%  ${(row.micros / 1000).toFixed(0).padStart(6)} ms  ${row.key}`);
  };
  console.log(`profile: ${(summary.totalMicros / 1e6).toFixed(2)} s`);
  print('self time by function', summary.byFunction);
  print('self time by file', summary.byFile);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
