// Runs a QGraph like the TS integer reference, but conv / gemm accumulate as the processing
// element of hw/rtl does (acc = bias, then one tap at a time in weight-memory order, padded
// taps skipped) and record the extremes every partial sum reaches, per layer. The outputs are
// the reference's bytes (checked against the engine by bench/hw-accumulators.ts).

import type { QConv, QGemm, QGraph, QParams } from '../ir/qgraph.js';
import { requantize } from '../core/requant.js';
import { clampInt } from '../core/rounding.js';
import { qs8Add, qs8GlobalAvgPool, qs8MaxPool, x8StridedCopy, x8ToNchw } from '../runtime/reference/qs8-ops.js';
import { quantizeInput } from '../runtime/edges.js';
import { runExtraRef } from '../runtime/reference/qs8-ops-extra.js';

export interface AccExtremes {
  lo: number;
  hi: number;
}

function conv(x: Int8Array, n: number, node: QConv, xq: QParams, yq: QParams, ext: AccExtremes): Int8Array {
  const g = node.geometry;
  const cg = g.c / g.group, mg = g.m / g.group, taps = g.kh * g.kw * cg;
  const y = new Int8Array(n * g.oh * g.ow * g.m);
  const zx = xq.zeroPoint, zy = yq.zeroPoint;
  // weights transposed to [group][tap][m within group], so one input value meets all its
  // output channels in a row; each channel still sees its taps in weight-memory order
  const wt = new Int32Array(g.m * taps);
  for (let m = 0; m < g.m; m++)
    for (let t = 0; t < taps; t++) wt[(Math.floor(m / mg) * taps + t) * mg + (m % mg)] = node.weights[m * taps + t]!;
  const acc = new Int32Array(mg);
  let lo = ext.lo, hi = ext.hi;
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++)
        for (let gr = 0; gr < g.group; gr++) {
          const m0 = gr * mg, c0 = gr * cg;
          for (let m = 0; m < mg; m++) {
            const v = node.bias[m0 + m]!;
            acc[m] = v;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          for (let i = 0; i < g.kh; i++) {
            const iy = oy * g.strideH - g.padTop + i * g.dilationH;
            if (iy < 0 || iy >= g.h) continue;
            for (let j = 0; j < g.kw; j++) {
              const ix = ox * g.strideW - g.padLeft + j * g.dilationW;
              if (ix < 0 || ix >= g.w) continue;
              const xo = ((b * g.h + iy) * g.w + ix) * g.c + c0;
              for (let c = 0; c < cg; c++) {
                const d = x[xo + c]! - zx;
                if (d === 0) continue; // adds 0: the partial sum, already recorded, repeats
                const wo = (gr * taps + (i * g.kw + j) * cg + c) * mg;
                for (let m = 0; m < mg; m++) {
                  const a = acc[m]! + d * wt[wo + m]!;
                  acc[m] = a;
                  if (a < lo) lo = a;
                  else if (a > hi) hi = a;
                }
              }
            }
          }
          const yo = ((b * g.oh + oy) * g.ow + ox) * g.m + m0;
          for (let m = 0; m < mg; m++)
            y[yo + m] = clampInt(zy + requantize(acc[m]!, node.requant.mult[m0 + m]!, node.requant.shift[m0 + m]!), node.qmin, node.qmax);
        }
  ext.lo = lo;
  ext.hi = hi;
  return y;
}

function gemm(x: Int8Array, n: number, node: QGemm, xq: QParams, yq: QParams, ext: AccExtremes): Int8Array {
  const { k, m, weights: w } = node;
  const y = new Int8Array(n * m);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < m; o++) {
      let acc = node.bias[o]!;
      ext.lo = Math.min(ext.lo, acc);
      ext.hi = Math.max(ext.hi, acc);
      for (let p = 0; p < k; p++) {
        acc += (x[b * k + p]! - xq.zeroPoint) * w[o * k + p]!;
        if (acc < ext.lo) ext.lo = acc;
        else if (acc > ext.hi) ext.hi = acc;
      }
      y[b * m + o] = clampInt(yq.zeroPoint + requantize(acc, node.requant.mult[o]!, node.requant.shift[o]!), node.qmin, node.qmax);
    }
  return y;
}

/** Runs n images; updates `ext` (per conv / gemm node name) and returns the int8 graph outputs. */
export function traceAccumulators(q: QGraph, images: Float32Array, n: number, ext: Map<string, AccExtremes>): Int8Array[] {
  const env = new Map<string, Int8Array>();
  const inp = new Int8Array(images.length);
  quantizeInput(images, n, q.input.shape, q.input.q, inp);
  env.set(q.input.quantized, inp);
  const qp = (v: string) => q.values.get(v)!.q;
  for (const node of q.nodes) {
    const a = env.get(node.inputs[0]!)!, xq = qp(node.inputs[0]!), yq = qp(node.outputs[0]!);
    let e = ext.get(node.name);
    if (!e && (node.op === 'conv' || node.op === 'gemm')) ext.set(node.name, (e = { lo: Infinity, hi: -Infinity }));
    let y: Int8Array;
    switch (node.op) {
      case 'conv': y = conv(a, n, node, xq, yq, e!); break;
      case 'gemm': y = gemm(a, n, node, xq, yq, e!); break;
      case 'add': y = qs8Add(a, env.get(node.inputs[1]!)!, node, xq, qp(node.inputs[1]!), yq); break;
      case 'gavgpool': y = qs8GlobalAvgPool(a, n, node, xq, yq); break;
      case 'maxpool': y = qs8MaxPool(a, n, node); break;
      case 'strided-copy': y = x8StridedCopy(a, n, node); break;
      case 'to-nchw': y = x8ToNchw(a, n, node); break;
      case 'reshape': y = a; break;
      default: y = runExtraRef(node, n, (v) => env.get(v)!, qp);
    }
    env.set(node.outputs[0]!, y);
  }
  return q.outputs.map((o) => env.get(o.quantized)!);
}
