// Small dense linear algebra for output-aware power-of-two rounding (src/quant/pot-gptq.ts):
// symmetric positive definite K x K matrices (K <= a few thousand), row-major Float64Array.

import { QuantizationError } from '../core/errors.js';

/** In place: the lower Cholesky factor L (A = L L^T) in the lower triangle; upper triangle zeroed. */
export function choleskyLower(a: Float64Array, k: number): void {
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j]!;
    for (let p = 0; p < j; p++) d -= a[j * k + p]! ** 2;
    if (!(d > 0)) throw new QuantizationError(`Cholesky: matrix not positive definite at column ${j}`);
    const ljj = Math.sqrt(d);
    a[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j]!;
      const ri = i * k, rj = j * k;
      for (let p = 0; p < j; p++) s -= a[ri + p]! * a[rj + p]!;
      a[i * k + j] = s / ljj;
    }
    for (let i = 0; i < j; i++) a[i * k + j] = 0;
  }
}

/** The inverse of an SPD matrix from its lower Cholesky factor: A^-1 = L^-T L^-1. */
export function inverseFromCholesky(l: Float64Array, k: number): Float64Array {
  // M = L^-1 (lower), by forward substitution column by column
  const m = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    for (let i = c; i < k; i++) {
      let s = i === c ? 1 : 0;
      for (let p = c; p < i; p++) s -= l[i * k + p]! * m[p * k + c]!;
      m[i * k + c] = s / l[i * k + i]!;
    }
  }
  // A^-1 = M^T M, symmetric
  const inv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) {
    let s = 0;
    for (let p = j; p < k; p++) s += m[p * k + i]! * m[p * k + j]!;
    inv[i * k + j] = s;
    inv[j * k + i] = s;
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
