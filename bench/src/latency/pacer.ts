/**
 * A paced producer: `count` sends at a fixed rate. Send `i` is due at `start + i × 1000 / rate`,
 * computed from the start rather than by adding intervals, so a timer that fires late (Node's
 * timers have 1 ms granularity, and a busy event loop delays them further) never pushes the rest
 * of the schedule back: the sends that fell due meanwhile go out at once, and the run ends on time.
 */

/** What the pacer reads and sleeps on; the bench passes {@link realPacerClock}, tests a fake one. */
export interface PacerClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after about `ms` milliseconds (later is fine, earlier is not). */
  sleep(ms: number): Promise<void>;
}

/** Options of {@link runPaced}. */
export interface PacedOptions {
  /** Sends per second. */
  ratePerS: number;
  /** How many sends. */
  count: number;
  clock: PacerClock;
  /** Starts send `index` (not awaited: the pacer never waits for a send to finish). */
  send(index: number): void;
}

/** How a paced run went. */
export interface PacedRun {
  sent: number;
  /** Clock readings of the first and last send. */
  firstAt: number;
  lastAt: number;
  /** For each send, how late it went out against its slot, in ms (≥ 0). */
  lateMs: number[];
}

/** Below this a send counts as due: float error must not turn "due now" into a zero-length sleep. */
const EPSILON_MS = 1e-6;

/**
 * Sends `count` times at `ratePerS`, each no earlier than its slot.
 * @example
 * const run = await runPaced({ ratePerS: 1000, count: 10_000, clock: realPacerClock, send: (i) => void producer.send(i) });
 */
export async function runPaced(options: PacedOptions): Promise<PacedRun> {
  const { ratePerS, count, clock, send } = options;
  if (!(ratePerS > 0) || !Number.isFinite(ratePerS)) throw new RangeError(`rate must be a positive number of sends per second, got ${ratePerS}`);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  const intervalMs = 1000 / ratePerS;
  const start = clock.now();
  const lateMs: number[] = [];
  let firstAt = start;
  let lastAt = start;
  let sent = 0;
  while (sent < count) {
    for (let now = clock.now(); sent < count && now - start + EPSILON_MS >= sent * intervalMs; now = clock.now()) {
      if (sent === 0) firstAt = now;
      lastAt = now;
      lateMs.push(Math.max(0, now - start - sent * intervalMs));
      send(sent++);
    }
    if (sent < count) await clock.sleep(start + sent * intervalMs - clock.now());
  }
  return { sent, firstAt, lastAt, lateMs };
}
