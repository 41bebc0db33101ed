// Range estimation per activation tensor. Calibration (calibrate.ts) attaches one observer per
// value to the f32 reference executor and feeds it that value's float data batch by batch
// (style guide rule 7: an observer on the executor, not a rewritten model).
//
// Contract shared by every observer:
//   - `passes` full passes over the same data. Pass 0 always records the exact min / max and
//     rejects NaN / +-Inf with a CalibrationError naming the tensor. Two-pass observers histogram
//     the values in pass 1 over edges fixed from pass 0 (so no re-binning; the data must be the
//     same in both passes, which calibrate() checks by counting the values).
//   - `endPass()` after each pass, `range()` after the last one.
//   - `range()` always contains 0 (min <= 0 <= max: the quantized zero must be exact) and is at
//     least MIN_RANGE_WIDTH wide (an all-zero tensor gives [0, MIN_RANGE_WIDTH], never a zero
//     scale). Apart from that zero inclusion, a range never extends beyond the observed min / max.
//
// MinMaxObserver (1 pass): [min, max] of every value seen.
//
// PercentileObserver (2 passes): [p_low, p_high] with p_high the p-th percentile of the values
// and p_low the (100 - p)-th (p = 99.99 by default). Pass 1 fills a histogram of
// PERCENTILE_BINS = 4096 equal bins over [min, max]; a quantile q is read from it by linear
// interpolation inside the bin where the cumulative count reaches q * count (so p = 100 gives the
// exact max and the exact min).
//
// EntropyObserver (2 passes): the clipping threshold t minimising KL(P || Q), after
//   Szymon Migacz, "8-bit Inference with TensorRT", GTC 2017 ("Entropy Calibration - pseudo code"),
// cross-checked against the conventions of ONNX Runtime
//   onnxruntime/python/tools/quantization/calibrate.py (HistogramCollector.get_entropy_threshold,
//   smooth_distribution; the same code as MXNet's contrib/quantization.py _get_optimal_threshold).
// Exactly:
//   1. Histogram: ENTROPY_BINS = 2048 equal bins over [0, A], bin b = [b*A/2048, (b+1)*A/2048)
//      (A itself in the last bin). Non-negative tensors (observed min >= 0, e.g. post-ReLU): the
//      values themselves, A = max, L = 256 levels (uint8 over [0, t]). Tensors with negative
//      values: |x|, A = max(|min|, |max|), L = 128 levels (the magnitudes of int8 over [-t, t]).
//      Exact zeros are NOT put into the histogram (doubleq's choice, unlike TensorRT / ORT):
//      every candidate represents 0 exactly, so zeros are an atom shared by P and Q and carry no
//      evidence about t. Left in bin 0 of a post-ReLU tensor (often half of all values), Q's
//      expansion smears them over bin 0's whole level, that term dominates the divergence and t
//      mostly falls just under A/4, the last candidate that keeps bin 0 a level of its own
//      (i < 2L). Measured on ResNet-20's post-ReLU tensors (100 calibration images): t / max
//      about 0.25 (one 0.37) with the zeros, 0.79-0.99 without.
//      `{ zerosInHistogram: true }` restores the TensorRT / ORT behaviour.
//   2. Candidates: i = L, L+1, ..., 2048 kept bins, threshold t_i = i * A / 2048 (the upper edge
//      of the last kept bin; i = 2048 gives t = A).
//   3. P (reference): bins 0..i-1, with the count of all bins >= i (the clipped outliers) added
//      to bin i-1.
//   4. Q (candidate): bins 0..i-1 without the outliers, merged into L levels, level k covering
//      bins [floor(k*i/L), floor((k+1)*i/L)) (an even split; ORT/MXNet instead give every level
//      floor(i/L) bins and the remainder to the last one). Each level's total is expanded back
//      evenly over those of its bins where P is non-zero; bins where P is zero get 0.
//   5. Smoothing (ORT smooth_distribution, eps = 1e-4, on raw counts, for P and Q separately):
//      every zero bin gets eps, every non-zero bin loses eps * n_zero / n_nonzero, so the total is
//      unchanged. No bin goes negative: a non-zero Q bin holds >= 1 / n counts when its level has
//      n non-zero bins, and eps * n_zero / n_nonzero <= 1e-4 * bins / n < 1 / n for bins <= 8192.
//      A distribution with no non-zero bin makes the candidate's divergence +Infinity (ORT:
//      `None` -> inf). The bins of the candidate where P is 0 have P = Q = eps after smoothing.
//   6. KL(P || Q) = sum_j P_j ln(P_j / Q_j) with P and Q normalised to sum 1 (scipy.stats.entropy);
//      ORT truncates Q's expanded counts to int64, doubleq keeps them as floats.
//   7. t = t_i of the smallest divergence (the smallest i on ties). Range: [0, min(t, max)] for
//      non-negative tensors, [max(-t, min), min(t, max)] otherwise, then zero inclusion.

import { scanLoop, type RangeScan } from './range-scan.js';

export type { RangeScan } from './range-scan.js';

/** A closed value range [min, max] of one tensor. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

/** Calibration problems (bad data, bad options, non-finite activations): one line, names the tensor. */
export class CalibrationError extends Error {
  override readonly name = 'CalibrationError';
}

/** Smallest width of a returned range: a constant-zero tensor still gets a positive scale. */
export const MIN_RANGE_WIDTH = 2 ** -20;
/** Default percentile of PercentileObserver (p_high; p_low is 100 - p). */
export const DEFAULT_PERCENTILE = 99.99;
/** Histogram bins of PercentileObserver. */
export const PERCENTILE_BINS = 4096;
/** Histogram bins of EntropyObserver (TensorRT's 2048). */
export const ENTROPY_BINS = 2048;
/** Smoothing constant for zero bins (ORT smooth_distribution's eps). */
export const ENTROPY_SMOOTHING_EPS = 1e-4;

export interface RangeObserver {
  /** Names the tensor in error messages. */
  readonly name: string;
  /** Number of full passes over the data the observer needs (1 or 2). */
  readonly passes: number;
  /** Feeds the next chunk of values of the current pass. */
  observe(x: Float32Array): void;
  /** Ends the current pass (call once per pass, after its last observe()). */
  endPass(): void;
  /** The estimated range; valid once all passes have ended. Contains 0, width >= MIN_RANGE_WIDTH. */
  range(): ValueRange;
}

/** [min(0, min), max(0, max)], widened to at least MIN_RANGE_WIDTH on the side away from 0. */
export function includeZero(min: number, max: number): ValueRange {
  let lo = Math.min(0, min);
  let hi = Math.max(0, max);
  if (hi - lo < MIN_RANGE_WIDTH) {
    if (-lo > hi) lo = hi - MIN_RANGE_WIDTH;
    else hi = lo + MIN_RANGE_WIDTH;
  }
  return { min: lo, max: hi };
}

/** Exact running min / max; rejects NaN and +-Inf. */
export class MinMaxObserver implements RangeObserver {
  readonly passes = 1;
  private lo = Infinity;
  private hi = -Infinity;
  private n = 0;

  constructor(readonly name = 'tensor', private readonly scan?: RangeScan) {}

  /** Number of values seen. */
  get count(): number {
    return this.n;
  }
  /** Observed extremes (Infinity / -Infinity before any value). */
  get min(): number {
    return this.lo;
  }
  get max(): number {
    return this.hi;
  }

  observe(x: Float32Array): void {
    const r = (this.scan ?? scanLoop)(x);
    if (!r.finite) {
      const at = x.findIndex((v) => !Number.isFinite(v));
      throw new CalibrationError(`${this.name}: non-finite value ${x[at]} at element ${this.n + at}`);
    }
    if (r.min < this.lo) this.lo = r.min; // strict, as in the loop: of equal values (+-0) the first stays
    if (r.max > this.hi) this.hi = r.max;
    this.n += x.length;
  }

  endPass(): void {}

  range(): ValueRange {
    if (this.n === 0) throw new CalibrationError(`${this.name}: no values observed`);
    return includeZero(this.lo, this.hi);
  }
}

/** Equal-width histogram over fixed edges [lo, lo + bins * width); values outside go to the end bins. */
class Histogram {
  readonly counts: Float64Array;
  readonly width: number;
  /** Values not put into a bin (exact zeros when `skipZeros`). */
  skipped = 0;
  total = 0;

  constructor(readonly lo: number, hi: number, bins: number, private readonly abs: boolean, private readonly skipZeros: boolean) {
    this.counts = new Float64Array(bins);
    this.width = (hi - lo) / bins;
  }

  add(x: Float32Array): void {
    const c = this.counts, lo = this.lo, last = c.length - 1, inv = 1 / this.width;
    const abs = this.abs, skipZeros = this.skipZeros;
    let skipped = 0;
    for (let i = 0; i < x.length; i++) {
      let v = x[i]!;
      if (v === 0 && skipZeros) { skipped++; continue; }
      if (abs && v < 0) v = -v;
      const t = (v - lo) * inv; // >= 0 inside the edges; truncation is floor there
      c[t >= last ? last : t > 0 ? t | 0 : 0]++;
    }
    this.skipped += skipped;
    this.total += x.length;
  }
}

/** Base of the two-pass observers: pass 0 = exact min / max, pass 1 = histogram over fixed edges. */
abstract class TwoPassObserver implements RangeObserver {
  readonly passes = 2;
  protected readonly minmax: MinMaxObserver;
  protected hist: Histogram | null = null;
  private pass = 0;

  constructor(readonly name: string, scan?: RangeScan) {
    this.minmax = new MinMaxObserver(name, scan);
  }

  /** The histogram for pass 1, or null when the observed range is degenerate (min == max). */
  protected abstract makeHistogram(min: number, max: number): Histogram | null;
  /** The range from the filled histogram (before zero inclusion and clipping to min / max). */
  protected abstract estimate(h: Histogram): ValueRange;

  observe(x: Float32Array): void {
    if (this.pass === 0) this.minmax.observe(x);
    else if (this.pass === 1) this.hist?.add(x);
    else throw new CalibrationError(`${this.name}: observe() after the last pass`);
  }

  endPass(): void {
    if (this.pass === 0) {
      if (this.minmax.count === 0) throw new CalibrationError(`${this.name}: no values observed`);
      this.hist = this.makeHistogram(this.minmax.min, this.minmax.max);
    } else if (this.pass === 1 && this.hist && this.hist.total !== this.minmax.count) {
      throw new CalibrationError(
        `${this.name}: pass 2 saw ${this.hist.total} values, pass 1 saw ${this.minmax.count} (the data changed between passes)`,
      );
    }
    this.pass++;
  }

  range(): ValueRange {
    if (this.pass < 2) throw new CalibrationError(`${this.name}: range() needs 2 passes over the data, ${this.pass} ended`);
    const { min, max } = this.minmax;
    if (!this.hist) return includeZero(min, max);
    const r = this.estimate(this.hist);
    return includeZero(Math.max(min, r.min), Math.min(max, r.max));
  }
}

function checkBins(bins: number, least: number, most: number, what: string): number {
  if (!Number.isInteger(bins) || bins < least || bins > most)
    throw new CalibrationError(`${what}: bins must be an integer in [${least}, ${most}], got ${bins}`);
  return bins;
}

/** The q-quantile (0 <= q <= 1) of a histogram, linear inside the bin where the cumulative count reaches q * total. */
function histogramQuantile(h: Histogram, q: number): number {
  const c = h.counts;
  let total = 0;
  for (let b = 0; b < c.length; b++) total += c[b]!;
  const target = q * total;
  let cum = 0;
  for (let b = 0; b < c.length; b++) {
    const n = c[b]!;
    if (n > 0 && cum + n >= target) return h.lo + (b + Math.max(0, target - cum) / n) * h.width;
    cum += n;
  }
  return h.lo + c.length * h.width;
}

export interface PercentileOptions {
  /** p in (50, 100]: the range is [(100 - p)th percentile, p-th percentile]. Default 99.99. */
  percentile?: number;
  /** Histogram bins over [min, max]. Default PERCENTILE_BINS. */
  bins?: number;
  scan?: RangeScan; // pass 0's min / max
}

/** [p_low, p_high] percentiles from a histogram over the exact min-max range (two passes). */
export class PercentileObserver extends TwoPassObserver {
  readonly percentile: number;
  readonly bins: number;

  constructor(name = 'tensor', opts: PercentileOptions = {}) {
    super(name, opts.scan);
    const p = opts.percentile ?? DEFAULT_PERCENTILE;
    if (typeof p !== 'number' || !(p > 50 && p <= 100)) throw new CalibrationError(`percentile must be a number in (50, 100], got ${p}`);
    this.percentile = p;
    this.bins = checkBins(opts.bins ?? PERCENTILE_BINS, 1, 2 ** 20, 'percentile observer');
  }

  protected makeHistogram(min: number, max: number): Histogram | null {
    return max > min ? new Histogram(min, max, this.bins, false, false) : null;
  }

  protected estimate(h: Histogram): ValueRange {
    const q = this.percentile / 100;
    return { min: histogramQuantile(h, 1 - q), max: histogramQuantile(h, q) };
  }
}

export interface EntropyOptions {
  /** Histogram bins over [0, A]. Default ENTROPY_BINS (2048); 256 to 8192 (the smoothing bound below needs < 10^4). */
  bins?: number;
  /** Count exact zeros in bin 0 as TensorRT / ORT do (default false: zeros are left out, see above). */
  zerosInHistogram?: boolean;
  scan?: RangeScan; // pass 0's min / max
}

/** Result of the KL threshold search over a histogram. */
export interface EntropyThreshold {
  /** Number of bins kept (the threshold is `keptBins * binWidth`). */
  keptBins: number;
  /** KL(P || Q) of that candidate (nats). */
  divergence: number;
}

/**
 * Steps 2-7 of the algorithm at the top of this file: the number of bins i in [levels, hist.length]
 * whose threshold minimises KL(P || Q) when [0, i bins) is quantized to `levels` levels.
 *
 * Computed in closed form per level instead of materialising P and Q (same value up to rounding):
 * after smoothing, a bin where P is 0 has P = Q = eps, and a level's non-zero bins share one Q value,
 * so with p' = p - eps1_P, q' = q - eps1_Q on non-zero bins, sum(p') = sum(hist) =: sP and
 * sum(q') = sum(hist[0..i)) =: sQ,
 *   KL = (sum_nz p' ln p' - sum_levels ln q'_level * sum_level,nz p') / sP + ln(sQ / sP).
 */
export function entropyThreshold(hist: Float64Array, levels: number, eps = ENTROPY_SMOOTHING_EPS): EntropyThreshold {
  const B = hist.length;
  if (!Number.isInteger(levels) || levels < 1 || levels > B) throw new CalibrationError(`entropy: ${levels} levels need at least as many bins, got ${B}`);
  const cum = new Float64Array(B + 1); // cum[j] = sum of hist[0..j)
  const zc = new Int32Array(B + 1); // zc[j] = number of empty bins in hist[0..j)
  const plogp = new Float64Array(B + 1); // sum of h ln h over hist[0..j)
  for (let j = 0; j < B; j++) {
    const h = hist[j]!;
    cum[j + 1] = cum[j]! + h;
    zc[j + 1] = zc[j]! + (h === 0 ? 1 : 0);
    plogp[j + 1] = plogp[j]! + (h > 0 ? h * Math.log(h) : 0);
  }
  const total = cum[B]!;
  let best: EntropyThreshold = { keptBins: B, divergence: Infinity };
  if (!(total > 0)) return best;
  for (let i = levels; i <= B; i++) {
    const last = hist[i - 1]! + (total - cum[i]!); // P's last bin takes the outliers
    const zerosP = zc[i - 1]! + (last === 0 ? 1 : 0);
    const e1p = (eps * zerosP) / (i - zerosP); // i > zerosP: total > 0
    // Pass over the levels: count Q's zero bins (for eps1_Q), then the cross term.
    let zerosQ = 0;
    for (let k = 0; k < levels; k++) {
      const s = Math.floor((k * i) / levels), e = Math.floor(((k + 1) * i) / levels);
      if (cum[e]! - cum[s]! > 0) zerosQ += zc[Math.min(e, i - 1)]! - zc[s]! + (e === i && last === 0 ? 1 : 0);
      else zerosQ += e - s;
    }
    if (zerosQ === i) continue; // Q all zero: divergence +Infinity
    const e1q = (eps * zerosQ) / (i - zerosQ);
    let cross = 0;
    for (let k = 0; k < levels; k++) {
      const s = Math.floor((k * i) / levels), e = Math.floor(((k + 1) * i) / levels);
      const sum = cum[e]! - cum[s]!;
      const pZeros = zc[Math.min(e, i - 1)]! - zc[s]! + (e === i && last === 0 ? 1 : 0);
      const nz = e - s - pZeros;
      if (nz === 0) continue;
      const pSum = sum + (e === i ? total - cum[i]! : 0) - nz * e1p;
      cross += pSum * Math.log(sum > 0 ? sum / nz - e1q : eps);
    }
    let self: number;
    if (e1p === 0) {
      self = plogp[i - 1]! + (last > 0 ? last * Math.log(last) : 0);
    } else {
      self = 0;
      for (let j = 0; j < i - 1; j++) {
        const h = hist[j]!;
        if (h > 0) self += (h - e1p) * Math.log(h - e1p);
      }
      if (last > 0) self += (last - e1p) * Math.log(last - e1p);
    }
    const kl = (self - cross) / total + Math.log(cum[i]! / total);
    if (kl < best.divergence) best = { keptBins: i, divergence: kl };
  }
  return best;
}

/** KL-divergence (TensorRT entropy) clipping threshold from a 2048-bin histogram (two passes). */
export class EntropyObserver extends TwoPassObserver {
  readonly bins: number;
  readonly zerosInHistogram: boolean;
  private signed = false;

  constructor(name = 'tensor', opts: EntropyOptions = {}) {
    super(name, opts.scan);
    this.bins = checkBins(opts.bins ?? ENTROPY_BINS, 256, 8192, 'entropy observer');
    this.zerosInHistogram = opts.zerosInHistogram ?? false;
  }

  protected makeHistogram(min: number, max: number): Histogram | null {
    this.signed = min < 0;
    const a = this.signed ? Math.max(-min, max) : max;
    return a > 0 && max > min ? new Histogram(0, a, this.bins, this.signed, !this.zerosInHistogram) : null;
  }

  protected estimate(h: Histogram): ValueRange {
    let binned = 0;
    for (const c of h.counts) binned += c;
    if (binned === 0) return { min: this.minmax.min, max: this.minmax.max }; // unreachable: the extreme value is never 0 here
    const { keptBins } = entropyThreshold(h.counts, this.signed ? 128 : 256);
    const t = keptBins * h.width;
    return this.signed ? { min: -t, max: t } : { min: 0, max: t };
  }
}

export type ObserverKind = 'minmax' | 'percentile' | 'entropy';

/** One observer of the given kind for the tensor `name`. */
export function createObserver(kind: ObserverKind, name: string, opts: { percentile?: number; scan?: RangeScan } = {}): RangeObserver {
  switch (kind) {
    case 'minmax': return new MinMaxObserver(name, opts.scan);
    case 'percentile': return new PercentileObserver(name, { percentile: opts.percentile, scan: opts.scan });
    case 'entropy': return new EntropyObserver(name, { scan: opts.scan });
  }
}
