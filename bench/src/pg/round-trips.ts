/** The round-trip loop of the PostgreSQL producers, with the clock injected so it is tested without sleeping. */
import type { RoundTripPlan } from './producer-protocol.js';

/**
 * Runs `once(i)` in a row, at least `plan.count` times and for at least `plan.minMs`, stopping at
 * `plan.maxMs`; returns each call's milliseconds. The same rule as the Redis round-trip scenario.
 * @example
 * const latencies = await timeRoundTrips((i) => roundTrip(i, 1), { count: 200, minMs: 200, maxMs: 1200 });
 */
export async function timeRoundTrips(once: (i: number) => Promise<void>, plan: RoundTripPlan, now: () => number = () => performance.now()): Promise<number[]> {
  const latencies: number[] = [];
  const started = now();
  const longEnough = started + plan.minMs;
  const deadline = started + plan.maxMs;
  for (let i = 0; (i < plan.count || now() < longEnough) && now() < deadline; i++) {
    const sent = now();
    await once(i);
    latencies.push(now() - sent);
  }
  return latencies;
}
