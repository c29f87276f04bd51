/** The arithmetic of the rate-limit rows: the rate over a whole run, and the worst 1 s window. */

/** Completions per second from the first to the last completion: `n − 1` intervals. */
export function observedRate(times: readonly number[]): number {
  if (times.length < 2) return Number.NaN;
  const first = Math.min(...times);
  const last = Math.max(...times);
  return last > first ? ((times.length - 1) * 1000) / (last - first) : Number.NaN;
}

/**
 * The largest deviation from `expected` per second, as a fraction, over every `windowMs` window
 * starting on a 50 ms grid from `windowMs` after the first completion up to `windowMs` before the
 * last (the first window holds the start-up, the bucket's first token included).
 * @example worstWindow([0, 100, 200, …], 10, 1000) // 0 for exact 100 ms spacing
 */
export function worstWindow(times: readonly number[], expected: number, windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) return Number.NaN;
  let worst = 0;
  let seen = false;
  for (let start = first + windowMs; start + windowMs <= last; start += 50) {
    const count = sorted.filter((t) => t >= start && t < start + windowMs).length;
    worst = Math.max(worst, Math.abs(count / (windowMs / 1000) - expected) / expected);
    seen = true;
  }
  return seen ? worst : Number.NaN;
}
