// Plain-loop integer reference of every quantized op: the bit-exact oracle for the wasm
// kernels (scalar and SIMD must produce these bytes). Activations int8 NHWC, batch first.
// Semantics are the QNode definitions in src/ir/qgraph.ts; rounding is src/core/requant.ts.

import type { QAdd, QConv, QGemm, QGlobalAvgPool, QMaxPool, QParams, QStridedCopy, QToNchw } from '../../ir/qgraph.js';
import { requantize, roundingShift } from '../../core/requant.js';
import { clampInt } from '../../core/rounding.js';

/**
 * An accumulator observer for conv / gemm: the extremes every partial sum reaches. Each output
 * starts at its bias and adds one tap at a time in weight-memory order (OHWI), padded taps
 * skipped: the order of the hardware PE (src/hw/accumulator-width.ts, hw/rtl).
 */
export interface AccExtremes {
  lo: number;
  hi: number;
}

export function qs8Conv2d(x: Int8Array, n: number, node: QConv, xq: QParams, yq: QParams, ext?: AccExtremes): Int8Array {
  const g = node.geometry;
  const cg = g.c / g.group, mg = g.m / g.group;
  const y = new Int8Array(n * g.oh * g.ow * g.m);
  const zx = xq.zeroPoint, zy = yq.zeroPoint;
  const { weights: w, bias, requant, qmin, qmax } = node;
  let lo = ext?.lo ?? 0, hi = ext?.hi ?? 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) {
        const yo = ((b * g.oh + oy) * g.ow + ox) * g.m;
        for (let m = 0; m < g.m; m++) {
          const c0 = Math.floor(m / mg) * cg;
          let acc = bias[m]!;
          if (ext) (lo = Math.min(lo, acc)), (hi = Math.max(hi, acc));
          for (let i = 0; i < g.kh; i++) {
            const iy = oy * g.strideH - g.padTop + i * g.dilationH;
            if (iy < 0 || iy >= g.h) continue;
            for (let j = 0; j < g.kw; j++) {
              const ix = ox * g.strideW - g.padLeft + j * g.dilationW;
              if (ix < 0 || ix >= g.w) continue;
              const xo = ((b * g.h + iy) * g.w + ix) * g.c + c0;
              const wo = ((m * g.kh + i) * g.kw + j) * cg;
              if (!ext) for (let c = 0; c < cg; c++) acc += (x[xo + c]! - zx) * w[wo + c]!;
              else
                for (let c = 0; c < cg; c++) {
                  acc += (x[xo + c]! - zx) * w[wo + c]!;
                  if (acc < lo) lo = acc;
                  else if (acc > hi) hi = acc;
                }
            }
          }
          y[yo + m] = clampInt(zy + requantize(acc, requant.mult[m]!, requant.shift[m]!), qmin, qmax);
        }
      }
    }
  }
  if (ext) (ext.lo = lo), (ext.hi = hi);
  return y;
}

export function qs8Gemm(x: Int8Array, n: number, node: QGemm, xq: QParams, yq: QParams, ext?: AccExtremes): Int8Array {
  const { k, m, weights: w, bias, requant, qmin, qmax } = node;
  const y = new Int8Array(n * m);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < m; o++) {
      let acc = bias[o]!;
      if (ext) (ext.lo = Math.min(ext.lo, acc)), (ext.hi = Math.max(ext.hi, acc));
      for (let p = 0; p < k; p++) {
        acc += (x[b * k + p]! - xq.zeroPoint) * w[o * k + p]!;
        if (ext) (ext.lo = Math.min(ext.lo, acc)), (ext.hi = Math.max(ext.hi, acc));
      }
      y[b * m + o] = clampInt(yq.zeroPoint + requantize(acc, requant.mult[o]!, requant.shift[o]!), qmin, qmax);
    }
  return y;
}

export function qs8Add(a: Int8Array, b: Int8Array, node: QAdd, aq: QParams, bq: QParams, yq: QParams): Int8Array {
  const y = new Int8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const acc = (a[i]! - aq.zeroPoint) * node.aMult + (b[i]! - bq.zeroPoint) * node.bMult;
    y[i] = clampInt(yq.zeroPoint + roundingShift(acc, node.shift), node.qmin, node.qmax);
  }
  return y;
}

export function qs8GlobalAvgPool(x: Int8Array, n: number, node: QGlobalAvgPool, xq: QParams, yq: QParams): Int8Array {
  const { h, w, c, requant } = node;
  const y = new Int8Array(n * c);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      let acc = 0;
      for (let p = 0; p < h * w; p++) acc += x[(b * h * w + p) * c + ch]! - xq.zeroPoint;
      y[b * c + ch] = clampInt(yq.zeroPoint + requantize(acc, requant.mult, requant.shift), -128, 127);
    }
  return y;
}

export function qs8MaxPool(x: Int8Array, n: number, node: QMaxPool): Int8Array {
  const g = node.geometry;
  const y = new Int8Array(n * g.oh * g.ow * g.c);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++)
        for (let ch = 0; ch < g.c; ch++) {
          let best = -128;
          for (let i = 0; i < g.kh; i++) {
            const iy = oy * g.strideH - g.padTop + i * g.dilationH;
            if (iy < 0 || iy >= g.h) continue;
            for (let j = 0; j < g.kw; j++) {
              const ix = ox * g.strideW - g.padLeft + j * g.dilationW;
              if (ix < 0 || ix >= g.w) continue;
              best = Math.max(best, x[((b * g.h + iy) * g.w + ix) * g.c + ch]!);
            }
          }
          y[((b * g.oh + oy) * g.ow + ox) * g.c + ch] = best;
        }
  return y;
}

export function x8StridedCopy(x: Int8Array, n: number, node: QStridedCopy): Int8Array {
  const { inShape, outShape, start, step, lo, hi, fill } = node;
  const r = outShape.length;
  const inSize = inShape.reduce((p, d) => p * d, 1), outSize = outShape.reduce((p, d) => p * d, 1);
  const inStride = new Array<number>(r);
  for (let a = r - 1, s = 1; a >= 0; a--) { inStride[a] = s; s *= inShape[a]!; }
  const y = new Int8Array(n * outSize).fill(fill);
  const coord = new Array<number>(r).fill(0);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < outSize; o++) {
      let rem = o, src = 0, inside = true;
      for (let a = r - 1; a >= 0; a--) {
        coord[a] = rem % outShape[a]!;
        rem = Math.floor(rem / outShape[a]!);
      }
      for (let a = 0; a < r && inside; a++) {
        const c = coord[a]!;
        if (c < lo[a]! || c >= hi[a]!) inside = false;
        else src += (start[a]! + step[a]! * (c - lo[a]!)) * inStride[a]!;
      }
      if (inside) y[b * outSize + o] = x[b * inSize + src]!;
    }
  return y;
}

export function x8ToNchw(x: Int8Array, n: number, node: QToNchw): Int8Array {
  const { h, w, c } = node;
  const y = new Int8Array(x.length);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < h * w; p++)
      for (let ch = 0; ch < c; ch++) y[(b * c + ch) * h * w + p] = x[(b * h * w + p) * c + ch]!;
  return y;
}
