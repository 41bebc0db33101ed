// Range observers on synthetic data with known answers.

import { describe, expect, it } from 'vitest';
import {
  CalibrationError,
  createObserver,
  EntropyObserver,
  entropyThreshold,
  MIN_RANGE_WIDTH,
  MinMaxObserver,
  PercentileObserver,
  type RangeObserver,
  type ValueRange,
} from '../../../src/quant/observers.js';
import { mulberry32 } from '../../helpers/rng.js';

const KINDS = ['minmax', 'percentile', 'entropy'] as const;

/** Feeds `chunks` to `o` for every pass it needs and returns its range. */
function run(o: RangeObserver, ...chunks: Float32Array[]): ValueRange {
  for (let p = 0; p < o.passes; p++) {
    for (const c of chunks) o.observe(c);
    o.endPass();
  }
  return o.range();
}

function uniform(seed: number, n: number, lo: number, hi: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

/** Standard normal samples (Box-Muller). */
function gaussian(seed: number, n: number): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng())), a = 2 * Math.PI * rng();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

function extremes(x: Float32Array): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (const v of x) { if (v < min) min = v; if (v > max) max = v; }
  return { min, max };
}

/** N(0,1) with `k` outliers at +-`at` (half each side). */
function gaussianWithOutliers(seed: number, n: number, k: number, at: number): Float32Array {
  const x = gaussian(seed, n);
  for (let i = 0; i < k; i++) x[i * Math.floor(n / k)] = i % 2 ? -at : at;
  return x;
}

describe('MinMaxObserver', () => {
  it('is exact over several chunks', () => {
    const a = uniform(1, 1000, -3, 5), b = uniform(2, 777, -7, 2);
    const r = run(new MinMaxObserver('t'), a, b);
    const ea = extremes(a), eb = extremes(b);
    expect(r).toEqual({ min: Math.min(ea.min, eb.min), max: Math.max(ea.max, eb.max) });
  });

  it('includes zero', () => {
    expect(run(new MinMaxObserver(), Float32Array.of(1, 2.5, 4))).toEqual({ min: 0, max: 4 });
    expect(run(new MinMaxObserver(), Float32Array.of(-1, -2.5))).toEqual({ min: -2.5, max: 0 });
  });
});

describe('every observer', () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      it('gives a tiny positive range for degenerate tensors', () => {
        expect(run(createObserver(kind, 'z'), new Float32Array(100))).toEqual({ min: 0, max: MIN_RANGE_WIDTH });
        expect(run(createObserver(kind, 'c'), new Float32Array(100).fill(3))).toEqual({ min: 0, max: 3 });
        expect(run(createObserver(kind, 'c'), new Float32Array(100).fill(-2))).toEqual({ min: -2, max: 0 });
        expect(run(createObserver(kind, 'd'), Float32Array.of(0, 1e-30, 0))).toEqual({ min: 0, max: MIN_RANGE_WIDTH });
        expect(run(createObserver(kind, 'd'), Float32Array.of(0, -1e-30))).toEqual({ min: -MIN_RANGE_WIDTH, max: 0 });
      });

      it('contains zero and stays inside min-max', () => {
        for (const x of [uniform(3, 5000, 2, 9), uniform(4, 5000, -9, -2), gaussianWithOutliers(5, 20000, 4, 30)]) {
          const r = run(createObserver(kind, 'x'), x);
          const e = extremes(x);
          expect(r.min).toBeLessThanOrEqual(0);
          expect(r.max).toBeGreaterThanOrEqual(0);
          expect(r.min).toBeGreaterThanOrEqual(Math.min(0, e.min));
          expect(r.max).toBeLessThanOrEqual(Math.max(0, e.max));
        }
      });

      it('rejects NaN and infinities with a CalibrationError naming the tensor', () => {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const o = createObserver(kind, "value 'conv1_out'");
          const x = uniform(6, 64, -1, 1);
          x[17] = bad;
          expect(() => o.observe(x)).toThrow(CalibrationError);
          expect(() => createObserver(kind, "value 'conv1_out'").observe(x)).toThrow(/value 'conv1_out': non-finite value .* at element 17/);
        }
      });

      it('rejects range() without data', () => {
        const o = createObserver(kind, 'empty');
        expect(() => {
          for (let p = 0; p < o.passes; p++) o.endPass();
          o.range();
        }).toThrow(/empty: no values observed/);
      });
    });
  }
});

describe('PercentileObserver', () => {
  it('finds the percentiles of uniform data', () => {
    const x = uniform(7, 1_000_000, -1, 1);
    const r = run(new PercentileObserver('u', { percentile: 99 }), x);
    expect(r.min).toBeCloseTo(-0.98, 2);
    expect(r.max).toBeCloseTo(0.98, 2);
  });

  it('is exactly min-max at p = 100', () => {
    const x = uniform(8, 10_000, -2, 3);
    expect(run(new PercentileObserver('u', { percentile: 100 }), x)).toEqual(run(new MinMaxObserver(), x));
  });

  it('clips the outliers of a Gaussian (default 99.99)', () => {
    // 1e6 N(0,1) samples + 50 outliers at +-100 (5e-5 of the data, below the 1e-4 tails):
    // the tails' quantile is then at 1e-4 - 2.5e-5 = 7.5e-5, about +-3.79.
    const r = run(new PercentileObserver('g'), gaussianWithOutliers(9, 1_000_000, 50, 100));
    expect(r.max).toBeGreaterThan(3.5);
    expect(r.max).toBeLessThan(4.1);
    expect(r.min).toBeLessThan(-3.5);
    expect(r.min).toBeGreaterThan(-4.1);
  });

  it('needs both passes and the same data in both', () => {
    const o = new PercentileObserver('t');
    o.observe(uniform(10, 100, -1, 1));
    o.endPass();
    expect(() => o.range()).toThrow(/2 passes/);
    o.observe(uniform(10, 99, -1, 1));
    expect(() => o.endPass()).toThrow(/data changed/);
  });

  it('validates its options', () => {
    for (const p of [50, 100.5, NaN, 0]) expect(() => new PercentileObserver('t', { percentile: p })).toThrow(CalibrationError);
    expect(() => new PercentileObserver('t', { bins: 0 })).toThrow(CalibrationError);
  });
});

describe('EntropyObserver', () => {
  it('keeps (nearly) the whole range of uniform data', () => {
    expect(run(new EntropyObserver('u+'), uniform(11, 1_000_000, 0, 1)).max).toBeGreaterThan(0.97);
    const r = run(new EntropyObserver('u'), uniform(12, 1_000_000, -1, 1));
    expect(r.max).toBeGreaterThan(0.97);
    expect(r.min).toBeLessThan(-0.97);
  });

  it('clips a long tail well below the max', () => {
    const g = gaussianWithOutliers(13, 1_000_000, 50, 100);
    const r = run(new EntropyObserver('g'), g);
    expect(r.max).toBeLessThan(20);
    expect(r.max).toBeGreaterThan(2);
    expect(r.min).toBe(-r.max); // symmetric |x| histogram
    // post-ReLU-like: half exact zeros, a Laplace tail and a few far outliers
    const rng = mulberry32(14);
    const relu = Float32Array.from({ length: 1_000_000 }, (_, i) => (i % 2 ? 0 : i % 100_000 === 0 ? 60 : -Math.log(1 - rng())));
    const rr = run(new EntropyObserver('relu'), relu);
    expect(rr.min).toBe(0);
    expect(rr.max).toBeLessThan(30);
    expect(rr.max).toBeGreaterThan(5);
  });

  it('clips the symmetric threshold to the observed side', () => {
    const x = uniform(15, 200_000, -0.5, 4); // |x| histogram over [0, 4]: t <= 4, min stays -0.5
    const r = run(new EntropyObserver('s'), x);
    expect(r.min).toBeCloseTo(extremes(x).min, 6);
  });

  it('validates its options', () => {
    expect(() => new EntropyObserver('t', { bins: 255 })).toThrow(CalibrationError);
    expect(() => new EntropyObserver('t', { bins: 8193 })).toThrow(CalibrationError);
  });
});

/** The documented algorithm step by step (materialised P and Q), as an oracle for the closed form. */
function naiveEntropyThreshold(hist: Float64Array, levels: number, eps = 1e-4): { keptBins: number; divergence: number } {
  const B = hist.length;
  let best = { keptBins: B, divergence: Infinity };
  const smooth = (x: Float64Array): boolean => {
    const zeros = x.filter((v) => v === 0).length;
    if (zeros === x.length) return false;
    const e1 = (eps * zeros) / (x.length - zeros);
    x.forEach((v, j) => (x[j] = v === 0 ? eps : v - e1));
    return true;
  };
  for (let i = levels; i <= B; i++) {
    const p = hist.slice(0, i);
    for (let j = i; j < B; j++) p[i - 1] += hist[j]!;
    const q = new Float64Array(i);
    for (let k = 0; k < levels; k++) {
      const s = Math.floor((k * i) / levels), e = Math.floor(((k + 1) * i) / levels);
      let sum = 0, nz = 0;
      for (let j = s; j < e; j++) { sum += hist[j]!; if (p[j] !== 0) nz++; }
      for (let j = s; j < e; j++) q[j] = p[j] !== 0 && nz > 0 ? sum / nz : 0;
    }
    if (!smooth(p) || !smooth(q)) continue;
    const sp = p.reduce((a, b) => a + b), sq = q.reduce((a, b) => a + b);
    let kl = 0;
    for (let j = 0; j < i; j++) kl += (p[j]! / sp) * Math.log(p[j]! / sp / (q[j]! / sq));
    if (kl < best.divergence) best = { keptBins: i, divergence: kl };
  }
  return best;
}

describe('entropyThreshold', () => {
  it('matches the step-by-step algorithm on random histograms', () => {
    const rng = mulberry32(16);
    for (let trial = 0; trial < 6; trial++) {
      const bins = trial < 3 ? 512 : 300;
      const levels = trial % 2 ? 128 : 256;
      const hist = new Float64Array(bins);
      const sparsity = [0, 0.3, 0.9][trial % 3]!;
      for (let j = 0; j < bins; j++) hist[j] = rng() < sparsity ? 0 : Math.floor(1 + 1000 * Math.exp(-j / (20 + 100 * rng())));
      if (trial === 5) hist.fill(0, bins - 120, bins - 1); // outliers only in the very last bin
      const fast = entropyThreshold(hist, levels), slow = naiveEntropyThreshold(hist, levels);
      expect(fast.keptBins).toBe(slow.keptBins);
      expect(fast.divergence).toBeCloseTo(slow.divergence, 9);
    }
  });

  it('keeps every bin of a flat histogram', () => {
    expect(entropyThreshold(new Float64Array(2048).fill(1000), 128).keptBins).toBe(2048);
  });
});
