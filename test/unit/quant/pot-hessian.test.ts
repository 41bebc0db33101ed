// The fast statistics and linear algebra of output-aware rounding (src/quant/pot-hessian.ts,
// src/quant/pot-linalg.ts) are bit-identical to the plain loops they replace: the same terms
// summed in the same order. References below are those plain loops.

import { describe, expect, it } from 'vitest';
import { f32 } from '../../../src/ir/tensor.js';
import type { QConv } from '../../../src/ir/qgraph.js';
import { accumulate, type Stats } from '../../../src/quant/pot-hessian.js';
import { choleskyLower, inverseFromCholesky } from '../../../src/quant/pot-linalg.js';
import { mulberry32 } from '../../helpers/rng.js';

/** H (upper triangle) of rows added one at a time, nonzero entries only: the plain loop. */
function plainH(rows: Float64Array[], K: number): Float64Array {
  const h = new Float64Array(K * K);
  for (const row of rows) {
    const nz: number[] = [];
    for (let i = 0; i < K; i++) if (row[i] !== 0) nz.push(i);
    for (let a = 0; a < nz.length; a++) for (let b = a; b < nz.length; b++) h[nz[a]! * K + nz[b]!] += row[nz[a]!]! * row[nz[b]!]!;
  }
  return h;
}

function reluNoise(seed: number, n: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => Math.max(0, r() * 4 - 2) * (r() < 0.1 ? 1000 : 1));
}

describe('H accumulation', () => {
  it('K = 9 rows (the depthwise fast path): the bits of adding one row at a time, zeros skipped per H row; Inf and NaN too', () => {
    /** one row at a time, H row a skipped where the row's entry a is zero (RowBlock.flush's order) */
    const rowSkipH = (x: Float32Array, n: number) => {
      const h = new Float64Array(81);
      for (let r = 0; r < n; r++) for (let a = 0; a < 9; a++) {
        const xa = x[r * 9 + a]!;
        if (xa !== 0) for (let k = a; k < 9; k++) h[a * 9 + k] += xa * x[r * 9 + k]!;
      }
      return h;
    };
    const bits = (a: Float64Array) => Buffer.from(a.buffer).toString('hex');
    for (const [n, bad] of [[1, 0], [33, 0], [100, 0], [70, 1], [70, 2]] as const) {
      const x = reluNoise(n * 13, n * 9);
      for (let i = 3; i < x.length; i += 50) x[i] = -x[i]! || -0; // negatives and -0
      if (bad) x[40] = bad === 1 ? Infinity : NaN; // a block that takes the plain flush
      const st: Stats = { k: 9, groups: 1, h: [new Float64Array(81)], mu: [new Float64Array(9)], rows: 0 };
      accumulate({ op: 'gemm', k: 9, m: 1 } as never, f32([n, 9], x), st, 1);
      expect(bits(st.h[0]!)).toBe(bits(rowSkipH(x, n)));
    }
  });

  it('gemm inputs: bit-identical to adding one row at a time, with ReLU zeros and blocks that do not fill', () => {
    for (const [K, n] of [[7, 1], [7, 33], [20, 100]] as const) {
      const x = reluNoise(K * n, K * n);
      const st: Stats = { k: K, groups: 1, h: [new Float64Array(K * K)], mu: [new Float64Array(K)], rows: 0 };
      accumulate({ op: 'gemm', k: K, m: 1 } as never, f32([n, K], x), st, 1);
      const rows = Array.from({ length: n }, (_, r) => Float64Array.from(x.subarray(r * K, (r + 1) * K)));
      expect(st.h[0]).toEqual(plainH(rows, K));
      expect(st.rows).toBe(n);
    }
  });

  it('grouped strided padded conv: every H entry equals the plain sum of its sampled rows', () => {
    const geometry = { c: 4, h: 5, w: 6, m: 4, kh: 3, kw: 3, strideH: 2, strideW: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationH: 1, dilationW: 1, group: 2, oh: 3, ow: 6 };
    const n = 3, K = 2 * 9, x = reluNoise(9, n * 4 * 5 * 6);
    const st: Stats = { k: K, groups: 2, h: [new Float64Array(K * K), new Float64Array(K * K)], mu: [new Float64Array(K), new Float64Array(K)], rows: 0 };
    accumulate({ op: 'conv', geometry } as unknown as QConv, f32([n, 4, 5, 6], x), st, 7);
    // fewer positions (3 * 3 * 6 = 54) than samples: every position once, in order
    for (let grp = 0; grp < 2; grp++) {
      const rows: Float64Array[] = [];
      for (let b = 0; b < n; b++) for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < 6; ox++) {
        const row = new Float64Array(K);
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let ic = 0; ic < 2; ic++) {
          const y = oy * 2 + i - 1, xx = ox + j - 1;
          if (y >= 0 && y < 5 && xx >= 0 && xx < 6) row[(i * 3 + j) * 2 + ic] = x[((b * 4 + grp * 2 + ic) * 5 + y) * 6 + xx]!;
        }
        rows.push(row);
      }
      expect(st.h[grp]).toEqual(plainH(rows, K));
      const mu = new Float64Array(K);
      for (const row of rows) for (let i = 0; i < K; i++) mu[i] += row[i]!;
      for (let i = 0; i < K; i++) expect(st.mu[grp]![i]).toBeCloseTo(mu[i]!, 6);
    }
    expect(st.rows).toBe(n * 18);
  });
});

describe('linear algebra', () => {
  /** SPD matrix with a wide spread of scales. */
  function spd(seed: number, K: number): Float64Array {
    const r = mulberry32(seed), x = Array.from({ length: 2 * K }, () => Float64Array.from({ length: K }, () => (r() - 0.5) * (r() < 0.2 ? 50 : 1)));
    const a = new Float64Array(K * K);
    for (const row of x) for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) a[i * K + j] += row[i]! * row[j]!;
    for (let i = 0; i < K; i++) a[i * K + i] += 0.01;
    return a;
  }

  for (const K of [1, 3, 4, 9, 13])
    it(`K = ${K}: Cholesky and the inverse are bit-identical to the textbook loops`, () => {
      const a = spd(K, K), l = a.slice();
      choleskyLower(l, K);
      const ref = a.slice();
      for (let j = 0; j < K; j++) {
        let d = ref[j * K + j]!;
        for (let p = 0; p < j; p++) d -= ref[j * K + p]! ** 2;
        ref[j * K + j] = Math.sqrt(d);
        for (let i = j + 1; i < K; i++) {
          let s = ref[i * K + j]!;
          for (let p = 0; p < j; p++) s -= ref[i * K + p]! * ref[j * K + p]!;
          ref[i * K + j] = s / ref[j * K + j]!;
        }
        for (let i = 0; i < j; i++) ref[i * K + j] = 0;
      }
      expect(l).toEqual(ref);
      const m = new Float64Array(K * K), inv = new Float64Array(K * K);
      for (let c = 0; c < K; c++) for (let i = c; i < K; i++) {
        let s = i === c ? 1 : 0;
        for (let p = c; p < i; p++) s -= ref[i * K + p]! * m[p * K + c]!;
        m[i * K + c] = s / ref[i * K + i]!;
      }
      for (let i = 0; i < K; i++) for (let j = i; j < K; j++) {
        let s = 0;
        for (let p = j; p < K; p++) s += m[p * K + i]! * m[p * K + j]!;
        inv[i * K + j] = inv[j * K + i] = s;
      }
      expect(inverseFromCholesky(l, K)).toEqual(inv);
    });
});
