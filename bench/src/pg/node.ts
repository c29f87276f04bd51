/**
 * Which `node` runs the PostgreSQL children. graphile-worker 0.18 declares `engines.node >=22.18.0` and
 * pg-boss 12 `>=22.12.0`; engines is advisory, and both ran on the bench's Node 20.20 (every path the
 * bench uses: LISTEN/NOTIFY, batches, `perJobResults`, the local queue), so by default the children run
 * the bench's own Node and the report says it is below what the peers declare. `BENCH_PG_NODE` names
 * another `node` binary (e.g. a Node 22) for both children.
 */
import { execFileSync } from 'node:child_process';

/** The highest `engines.node` minimum of the peers (graphile-worker 0.18.0). */
export const PEERS_NEED = '>=22.18.0';

/** A binary and why it was picked. */
export interface PgNode {
  execPath: string;
  /** `process.version` of the binary, e.g. `v22.22.0`. */
  version: string;
  reason: string;
}

function parse(version: string): [number, number, number] {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  if (!match) throw new Error(`not a Node version: '${version}'`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/**
 * Whether `version` satisfies a `>=x.y.z` range (the only form the peers use).
 * @example
 * meetsMinimum('v20.20.0', '>=22.18.0'); // false
 */
export function meetsMinimum(version: string, range: string): boolean {
  const match = /^>=\s*(\S+)$/.exec(range.trim());
  if (!match) throw new Error(`only '>=x.y.z' ranges are understood, got '${range}'`);
  const have = parse(version);
  const need = parse(match[1]!);
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i]! > need[i]!;
  return true;
}

function versionOf(execPath: string): string {
  return execFileSync(execPath, ['--version'], { encoding: 'utf8' }).trim();
}

/** Picks the binary (see the module comment). */
export function pgNode(env: NodeJS.ProcessEnv = process.env): PgNode {
  const chosen = env['BENCH_PG_NODE'];
  const own = chosen === undefined || chosen === '' || chosen === 'current';
  const execPath = own ? process.execPath : chosen;
  const version = own ? process.version : versionOf(chosen);
  const meets = meetsMinimum(version, PEERS_NEED);
  const source = own ? "the bench's own Node" : 'BENCH_PG_NODE';
  return { execPath, version, reason: `${source} ${version}, ${meets ? 'meeting' : 'below'} the peers' engines ${PEERS_NEED}` };
}
