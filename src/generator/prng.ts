/**
 * Seeded randomness for the load generator. mulberry32: tiny, fast and good enough for traffic
 * shapes; the same seed gives the same stream on every machine, so a run can be predicted exactly.
 */
export type Random = () => number;

export function random(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream for one purpose (events, timing, segment n), so changing one never shifts another. */
export function deriveSeed(seed: number, stream: string, index = 0): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (const char of `${stream}#${index}`) {
    h ^= char.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A whole number in [min, max], both included. */
export function intBetween(rand: Random, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

/** Index drawn with probability proportional to its weight. */
export function weightedIndex(rand: Random, weights: readonly number[], total = weights.reduce((a, b) => a + b, 0)): number {
  let roll = rand() * total;
  for (let i = 0; i < weights.length; i += 1) {
    roll -= weights[i] ?? 0;
    if (roll < 0) return i;
  }
  return weights.length - 1;
}
