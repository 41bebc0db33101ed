/**
 * Shared dataset types for doubleq.
 *
 * Everything in `src/data/` except `node-files.ts` is environment-neutral:
 * no `fs`, no DOM. Datasets produce float32 NCHW batches that can be fed to
 * the float reference engine or the quantized engines directly.
 */

/** One batch of images. `images` is NCHW float32 of exactly `count*C*H*W` values. */
export interface Batch {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface ImageShape {
  c: number;
  h: number;
  w: number;
}

/**
 * Per-channel normalisation. For uint8 sources a pixel p of channel c maps to
 * `(p/255 - mean[c]) / std[c]`. Sources already in [0,1] (MNIST JSON) skip the
 * /255; float32 .npy images are used as-is (see the individual readers).
 */
export interface Normalization {
  mean: number[];
  std: number[];
}

export interface Dataset {
  readonly shape: ImageShape;
  /** Number of images (NaN only for a CIFAR-10 chunk source whose byte length is unknown). */
  readonly size: number;
  /**
   * Yields batches of at most `batchSize` images in dataset order; the last
   * batch may be smaller. `limit` stops after that many images. Each call
   * starts again from the beginning. Every yielded batch owns fresh arrays.
   */
  batches(batchSize: number, opts?: { limit?: number }): AsyncIterable<Batch>;
}

/** Every data format / input problem throws this with a one-line message. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/**
 * Parses a comma-separated list of exactly `n` finite numbers, e.g. the value
 * of `--mean 0.485,0.456,0.406`. `what` names the flag in error messages.
 */
export function parseFloatList(s: string, n: number, what: string): number[] {
  const text = s.trim();
  if (text === '') throw new DataError(`${what}: expected ${n} comma-separated number(s), got an empty string`);
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== n) {
    throw new DataError(`${what}: expected ${n} comma-separated number(s), got ${parts.length} in '${s}'`);
  }
  return parts.map((p, i) => {
    // Number('') is 0 and Number('0x10') is 16: accept only plain decimal notation.
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(p)) {
      throw new DataError(`${what}: value ${i + 1} '${p}' is not a number`);
    }
    const v = Number(p);
    if (!Number.isFinite(v)) throw new DataError(`${what}: value ${i + 1} '${p}' is not finite`);
    return v;
  });
}

/**
 * Checks that `norm` has one finite mean and one finite, strictly positive
 * std per channel. Throws DataError otherwise.
 */
export function validateNormalization(norm: Normalization, channels: number): void {
  if (!Array.isArray(norm.mean) || norm.mean.length !== channels) {
    throw new DataError(
      `normalization: mean has ${Array.isArray(norm.mean) ? norm.mean.length : 'no'} value(s), the data has ${channels} channel(s)`,
    );
  }
  if (!Array.isArray(norm.std) || norm.std.length !== channels) {
    throw new DataError(
      `normalization: std has ${Array.isArray(norm.std) ? norm.std.length : 'no'} value(s), the data has ${channels} channel(s)`,
    );
  }
  norm.mean.forEach((m, c) => {
    if (typeof m !== 'number' || !Number.isFinite(m)) throw new DataError(`normalization: mean[${c}] = ${m} is not a finite number`);
  });
  norm.std.forEach((s, c) => {
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) {
      throw new DataError(`normalization: std[${c}] = ${s} must be a finite number > 0`);
    }
  });
}

/** Identity normalisation (mean 0, std 1) for `channels` channels. */
export function identityNormalization(channels: number): Normalization {
  return { mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1) };
}

/**
 * Lookup table for uint8 sources: `lut[c*256 + p] = fround((p/255 - mean[c]) / std[c])`.
 * Validates `norm` (undefined = identity).
 */
export function uint8NormalizationTable(norm: Normalization | undefined, channels: number): Float32Array {
  const n = norm ?? identityNormalization(channels);
  validateNormalization(n, channels);
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const mean = n.mean[c]!;
    const std = n.std[c]!;
    for (let p = 0; p < 256; p++) lut[c * 256 + p] = (p / 255 - mean) / std;
  }
  return lut;
}

/** Validates a batch size / limit pair; returns the effective limit (Infinity if none). */
export function checkBatchArgs(batchSize: number, opts?: { limit?: number }): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new DataError(`batch size must be a positive integer, got ${batchSize}`);
  }
  const limit = opts?.limit;
  if (limit === undefined) return Infinity;
  if (!(Number.isInteger(limit) && limit >= 0) && limit !== Infinity) {
    throw new DataError(`limit must be a non-negative integer, got ${limit}`);
  }
  return limit;
}
