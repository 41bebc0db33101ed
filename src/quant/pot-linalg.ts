// Small dense linear algebra for output-aware power-of-two rounding (src/quant/pot-gptq.ts):
// symmetric positive definite K x K matrices (K <= a few thousand), row-major Float64Array.
// Loops read rows (never columns) and run four independent sums side by side; each sum adds
// the same terms in the same order as the plain textbook loops, so results are bit-identical.

import { QuantizationError } from '../core/errors.js';

/** In place: the lower Cholesky factor L (A = L L^T) in the lower triangle; upper triangle zeroed. */
export function choleskyLower(a: Float64Array, k: number): void {
  for (let j = 0; j < k; j++) {
    const rj = j * k;
    let d = a[rj + j]!;
    for (let p = 0; p < j; p++) d -= a[rj + p]! ** 2;
    if (!(d > 0)) throw new QuantizationError(`Cholesky: matrix not positive definite at column ${j}`);
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    let i = j + 1;
    for (; i + 4 <= k; i += 4) {
      const r0 = i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      let s0 = a[r0 + j]!, s1 = a[r1 + j]!, s2 = a[r2 + j]!, s3 = a[r3 + j]!;
      for (let p = 0; p < j; p++) {
        const v = a[rj + p]!;
        s0 -= a[r0 + p]! * v; s1 -= a[r1 + p]! * v; s2 -= a[r2 + p]! * v; s3 -= a[r3 + p]! * v;
      }
      a[r0 + j] = s0 / ljj; a[r1 + j] = s1 / ljj; a[r2 + j] = s2 / ljj; a[r3 + j] = s3 / ljj;
    }
    for (; i < k; i++) {
      const ri = i * k;
      let s = a[ri + j]!;
      for (let p = 0; p < j; p++) s -= a[ri + p]! * a[rj + p]!;
      a[ri + j] = s / ljj;
    }
    for (let r = 0; r < j; r++) a[r * k + j] = 0;
  }
}

/** The inverse of an SPD matrix from its lower Cholesky factor: A^-1 = L^-T L^-1. */
export function inverseFromCholesky(l: Float64Array, k: number): Float64Array {
  // M = L^-1 (lower) by forward substitution, stored transposed: mt[c][i] = M[i][c]
  const mt = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    const mc = c * k;
    for (let i = c; i < k; i++) {
      const li = i * k;
      let s = i === c ? 1 : 0;
      for (let p = c; p < i; p++) s -= l[li + p]! * mt[mc + p]!;
      mt[mc + i] = s / l[li + i]!;
    }
  }
  // A^-1 = M^T M, symmetric: inv[i][j] = sum over p >= j of M[p][i] M[p][j]
  const inv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const mi = i * k;
    let j = i;
    for (; j + 4 <= k; j += 4) {
      const m0 = j * k, m1 = m0 + k, m2 = m1 + k, m3 = m2 + k;
      // the sums start at p = j, j+1, j+2, j+3: their first terms alone, then all four together
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      s0 += mt[mi + j]! * mt[m0 + j]!;
      s0 += mt[mi + j + 1]! * mt[m0 + j + 1]!; s1 += mt[mi + j + 1]! * mt[m1 + j + 1]!;
      s0 += mt[mi + j + 2]! * mt[m0 + j + 2]!; s1 += mt[mi + j + 2]! * mt[m1 + j + 2]!; s2 += mt[mi + j + 2]! * mt[m2 + j + 2]!;
      for (let p = j + 3; p < k; p++) {
        const v = mt[mi + p]!;
        s0 += v * mt[m0 + p]!; s1 += v * mt[m1 + p]!; s2 += v * mt[m2 + p]!; s3 += v * mt[m3 + p]!;
      }
      inv[mi + j] = s0; inv[m0 + i] = s0;
      inv[mi + j + 1] = s1; inv[m1 + i] = s1;
      inv[mi + j + 2] = s2; inv[m2 + i] = s2;
      inv[mi + j + 3] = s3; inv[m3 + i] = s3;
    }
    for (; j < k; j++) {
      const mj = j * k;
      let s = 0;
      for (let p = j; p < k; p++) s += mt[mi + p]! * mt[mj + p]!;
      inv[mi + j] = s;
      inv[mj + i] = s;
    }
  }
  return inv;
}

/**
 * The upper Cholesky factor U of H^-1 (H^-1 = U^T U), the form GPTQ's column updates use:
 * row j of U, divided by U[j][j], spreads column j's rounding error over the later columns.
 */
export function inverseUpperFactor(h: Float64Array, k: number): Float64Array {
  const l = h.slice();
  choleskyLower(l, k);
  const inv = inverseFromCholesky(l, k);
  choleskyLower(inv, k); // inv = L' L'^T; U = L'^T
  const u = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) u[i * k + j] = inv[j * k + i]!;
  return u;
}
