/** Celerity's targets from issue 4, checked against ratios to BullMQ measured in the same run. */
import type { BenchResults } from './results.js';
import { pgTargets } from './pg/targets.js';
import type { WithPythonPeer } from './python-peer/results.js';
import { PYTHON_PREFORK_TARGET, preforkRatio } from './python-peer/report.js';
import { ratio } from './stats.js';

/** One target and how the run did against it. */
export interface TargetCheck {
  what: string;
  /** e.g. `≥ 2.0×`. */
  goal: string;
  /** Celerity / BullMQ (medians), or null when either was not measured. */
  ratio: number | null;
  met: boolean | null;
}

function check(what: string, value: number | null, bound: number, higherIsBetter: boolean): TargetCheck {
  const goal = `${higherIsBetter ? '≥' : '≤'} ${bound.toFixed(1)}×`;
  return { what, goal, ratio: value, met: value === null ? null : higherIsBetter ? value >= bound : value <= bound };
}

/**
 * Every target, in the order.
 * @example
 * for (const t of checkTargets(results)) console.log(t.what, t.ratio, t.met);
 */
export function checkTargets(results: BenchResults & WithPythonPeer): TargetCheck[] {
  const c = results.process.celerity ?? {};
  const b = results.process.bullmq ?? {};
  const levels = results.config.concurrency;
  const top = String(Math.max(...levels));
  const low = String(Math.min(...levels));
  // Issue 19's goals (the first round's were 2×, 2×, 3× and 0.5×).
  const out: TargetCheck[] = [
    check(`processing, concurrency ${top}`, ratio(c[top]?.throughput.median, b[top]?.throughput.median), 3, true),
    check(`processing, concurrency ${low}`, ratio(c[low]?.throughput.median, b[low]?.throughput.median), 3, true),
    check('bulk enqueue (sendMany vs addBulk)', ratio(results.enqueue.celerity?.bulk?.median, results.enqueue.bullmq?.bulk?.median), 4, true),
    check('round trip p50', ratio(results.roundTrip.celerity?.p50.median, results.roundTrip.bullmq?.p50.median), 0.4, false),
  ];
  for (const level of levels.map(String)) {
    out.push(check(`worker peak RSS, concurrency ${level}`, ratio(c[level]?.peakRssBytes, b[level]?.peakRssBytes), 1, false));
  }
  out.push(check('Redis bytes per queued task', ratio(results.bytes.celerity?.queued.median, results.bytes.bullmq?.queued.median), 2, false));
  out.push(...pgTargets(results));
  if (results.python) {
    const prefork = preforkRatio(results.python);
    out.push(check(`processing vs Python Celery's prefork worker (concurrency ${prefork?.concurrency ?? 2} each)`, prefork?.ratio ?? null, PYTHON_PREFORK_TARGET, true));
  }
  return out;
}
