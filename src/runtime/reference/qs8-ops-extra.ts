// Plain-loop integer reference of the ops issue 12 added (semantics: src/ir/qgraph-ops.ts), the
// bit-exact oracle of their wasm kernels; and the dispatch the whole-graph references share.

import { requantize } from '../../core/requant.js';
import { clampInt } from '../../core/rounding.js';
import { avgpoolCountBounds, type QAvgPool, type QConcat, type QLut, type QMul, type QNodeExtra, type QSoftmax } from '../../ir/qgraph-ops.js';
import type { QParams } from '../../ir/qgraph.js';

/** Cells counted along one axis for output position o (stride s, pad p, k taps of dilation dl). */
function counted(o: number, s: number, p: number, k: number, dl: number, lo: number, hi: number): number {
  let c = 0;
  for (let i = 0; i < k; i++) {
    const v = o * s - p + i * dl;
    if (v >= lo && v < hi) c++;
  }
  return c;
}

export function qs8AvgPool(x: Int8Array, n: number, node: QAvgPool, xq: QParams, yq: QParams): Int8Array {
  const g = node.geometry;
  const [loH, hiH, loW, hiW] = avgpoolCountBounds(node);
  const y = new Int8Array(n * g.oh * g.ow * g.c);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++) {
        const d = counted(oy, g.strideH, g.padTop, g.kh, g.dilationH, loH, hiH) * counted(ox, g.strideW, g.padLeft, g.kw, g.dilationW, loW, hiW);
        for (let ch = 0; ch < g.c; ch++) {
          let acc = 0;
          for (let i = 0; i < g.kh; i++) {
            const iy = oy * g.strideH - g.padTop + i * g.dilationH;
            if (iy < 0 || iy >= g.h) continue;
            for (let j = 0; j < g.kw; j++) {
              const ix = ox * g.strideW - g.padLeft + j * g.dilationW;
              if (ix < 0 || ix >= g.w) continue;
              acc += x[((b * g.h + iy) * g.w + ix) * g.c + ch]! - xq.zeroPoint;
            }
          }
          const r = d === 0 ? 0 : requantize(acc, node.mult[d - 1]!, node.shift[d - 1]!);
          y[((b * g.oh + oy) * g.ow + ox) * g.c + ch] = clampInt(yq.zeroPoint + r, -128, 127);
        }
      }
  return y;
}

export function x8Lut(x: Int8Array, node: QLut): Int8Array {
  const y = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = node.table[x[i]! + 128]!;
  return y;
}

export function x8Concat(xs: readonly Int8Array[], n: number, node: QConcat): Int8Array {
  const row = node.lens.reduce((p, d) => p + d, 0);
  const y = new Int8Array(n * node.outer * row);
  for (let r = 0; r < n * node.outer; r++) {
    let off = r * row;
    node.lens.forEach((len, i) => {
      y.set(xs[i]!.subarray(r * len, (r + 1) * len), off);
      off += len;
    });
  }
  return y;
}

export function qs8Mul(a: Int8Array, b: Int8Array, n: number, node: QMul, aq: QParams, bq: QParams, yq: QParams): Int8Array {
  const y = new Int8Array(n * node.size);
  for (let img = 0; img < n; img++)
    for (let i = 0; i < node.size; i++) {
      const acc = (a[img * node.size + i]! - aq.zeroPoint) * (b[img * node.bSize + (i % node.bSize)]! - bq.zeroPoint);
      y[img * node.size + i] = clampInt(yq.zeroPoint + requantize(acc, node.mult, node.shift), node.qmin, node.qmax);
    }
  return y;
}

export function qs8Softmax(x: Int8Array, n: number, node: QSoftmax): Int8Array {
  const { k, exp } = node;
  const y = new Int8Array(x.length);
  for (let r = 0; r < n * node.rows; r++) {
    let mx = -128, sum = 0;
    for (let j = 0; j < k; j++) mx = Math.max(mx, x[r * k + j]!);
    for (let j = 0; j < k; j++) sum += exp[mx - x[r * k + j]!]!;
    const half = Math.floor(sum / 2);
    for (let j = 0; j < k; j++) y[r * k + j] = clampInt(-128 + Math.floor((exp[mx - x[r * k + j]!]! * 256 + half) / sum), -128, 127);
  }
  return y;
}

/** One issue-12 node on the reference: `get` gives an input's int8 tensor, `qp` a value's params. */
export function runExtraRef(node: QNodeExtra, n: number, get: (v: string) => Int8Array, qp: (v: string) => QParams): Int8Array {
  const x = get(node.inputs[0]!), xq = qp(node.inputs[0]!), yq = qp(node.outputs[0]!);
  switch (node.op) {
    case 'avgpool': return qs8AvgPool(x, n, node, xq, yq);
    case 'lut': return x8Lut(x, node);
    case 'concat': return x8Concat(node.inputs.map(get), n, node);
    case 'mul': return qs8Mul(x, get(node.inputs[1]!), n, node, xq, qp(node.inputs[1]!), yq);
    case 'softmax': return qs8Softmax(x, n, node);
  }
}
