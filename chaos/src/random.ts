/** A seeded pseudo-random source (mulberry32), so a run's fault schedule can be replayed from its seed. */

/** Numbers in [0, 1). */
export type Random = () => number;

/**
 * @example
 * const random = createRandom(42);
 * const delay = 500 + random() * 1500;
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
