/** Issue 19's target "ahead of graphile-worker and pg-boss on processing and round trip", from one run. */
import type { BenchResults } from '../results.js';
import { ratio } from '../stats.js';
import type { TargetCheck } from '../targets.js';
import { PG_PEER_NAMES, PG_VARIANTS } from './peers.js';
import type { PgPeerName } from './peers.js';
import type { WithPg } from './results.js';

/** The peer's best median among its variants (highest, or lowest when lower is better), or undefined. */
export function bestOf(values: ReadonlyArray<number | undefined>, higherIsBetter: boolean): number | undefined {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (known.length === 0) return undefined;
  return higherIsBetter ? Math.max(...known) : Math.min(...known);
}

function variantNames(peer: PgPeerName): string[] {
  return PG_VARIANTS.filter((v) => v.peer === peer).map((v) => v.name);
}

/**
 * Celerity against each peer's best variant: processing at every concurrency (Celerity / peer, ahead
 * when above 1) and round-trip p50 (Celerity / peer, ahead when below 1). Rows whose figures are
 * missing have a null ratio.
 */
export function pgTargets(results: BenchResults & WithPg): TargetCheck[] {
  const pg = results.pg;
  if (!pg) return [];
  const out: TargetCheck[] = [];
  for (const peer of PG_PEER_NAMES) {
    const names = variantNames(peer);
    for (const level of results.config.concurrency.map(String)) {
      const theirs = bestOf(names.map((n) => pg.process[n]?.[level]?.throughput.median), true);
      const value = ratio(results.process.celerity?.[level]?.throughput.median, theirs);
      out.push({ what: `processing, concurrency ${level}, vs ${peer} (its best row)`, goal: '> 1.0×', ratio: value, met: value === null ? null : value > 1 });
    }
    const theirs = bestOf(names.map((n) => pg.roundTrip[n]?.p50.median), false);
    const value = ratio(results.roundTrip.celerity?.p50.median, theirs);
    out.push({ what: `round trip p50 vs ${peer} (its best row)`, goal: '< 1.0×', ratio: value, met: value === null ? null : value < 1 });
  }
  return out;
}
