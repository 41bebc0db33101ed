// Seeded pseudo-random numbers for tests: every failing case is reproducible from its seed.
// mulberry32, see: https://github.com/bryc/code/blob/master/jshash/PRNGs.md#mulberry32

/** Returns a generator of uniform floats in [0, 1) fully determined by `seed` (a 32-bit integer). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi] (inclusive) drawn from `rng`. */
export function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Float32Array of `length` values uniform in [-1, 1). */
export function randomF32(rng: () => number, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng() * 2 - 1;
  return out;
}
