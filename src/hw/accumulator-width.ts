// Accumulator widths that can never overflow, from the actual weights and activation ranges.
//
// A processing element computes, for output channel m, acc = bias[m], then acc += (x - zx) * w
// tap by tap (taps of a padded window that fall outside the input are skipped). Every partial
// sum is bias[m] plus the terms of some subset of the taps, so with each term t_i in
// [tmin_i, tmax_i] every partial sum lies in
//     [bias[m] + sum_i min(0, tmin_i),  bias[m] + sum_i max(0, tmax_i)]
// whatever the order and whatever the padding. x lies in the range of the value it reads:
// the clamp [qmin, qmax] of the node that wrote it (a fused ReLU makes that [zx, 127]), passed
// through unchanged by max-pool, copies and reshapes (plus a copy's fill value), [-128, 127]
// for the graph input (quantizeInput clamps) and a global average pool's output. This is a
// bound, not an estimate: bench/hw-accumulators.ts measures the partial sums on CIFAR-10.
//
// The generic bound is the usual sizing that ignores the data: |x - zx| <= 255, |w| at its
// format's maximum (127 for int8, 2^7 = 128 for 5-bit codes, 2^6 for 4-bit codes), K taps,
// and a bias as large as the sum: signed width of +-2 * K * 255 * wmax.

import { maxPotExponent } from '../core/pot-codec.js';
import type { QGraph, QNode } from '../ir/qgraph.js';
import type { WeightLayer } from './weight-memory.js';

export type Range = readonly [lo: number, hi: number];

/** The integer range each value of the graph can take, from the clamps of its producers. */
export function valueRanges(q: QGraph): Map<string, Range> {
  const r = new Map<string, Range>([[q.input.quantized, [-128, 127]]]);
  const of = (name: string): Range => r.get(name) ?? [-128, 127];
  for (const n of q.nodes) r.set(n.outputs[0]!, nodeRange(n, of));
  return r;
}

function nodeRange(n: QNode, of: (name: string) => Range): Range {
  switch (n.op) {
    case 'conv':
    case 'gemm':
    case 'add':
      return [n.qmin, n.qmax];
    case 'gavgpool':
      return [-128, 127];
    case 'strided-copy': {
      const [lo, hi] = of(n.inputs[0]!);
      const pads = n.outShape.some((d, a) => n.lo[a]! > 0 || n.hi[a]! < d);
      return pads ? [Math.min(lo, n.fill), Math.max(hi, n.fill)] : [lo, hi];
    }
    case 'maxpool': {
      // a window with no in-bounds cell yields -128
      const [lo, hi] = of(n.inputs[0]!);
      return emptyWindow(n.geometry) ? [-128, hi] : [lo, hi];
    }
    case 'to-nchw':
    case 'reshape':
      return of(n.inputs[0]!);
    case 'lut': {
      const t = [...n.table];
      return [Math.min(...t), Math.max(...t)];
    }
    case 'concat': {
      const rs = n.inputs.map(of);
      return [Math.min(...rs.map((x) => x[0])), Math.max(...rs.map((x) => x[1]))];
    }
    case 'mul':
      return [n.qmin, n.qmax];
    case 'avgpool':
    case 'softmax':
      return [-128, 127];
  }
}

function emptyWindow(g: { h: number; w: number; kh: number; kw: number; oh: number; ow: number; strideH: number; strideW: number; padTop: number; padLeft: number; dilationH: number; dilationW: number }): boolean {
  const empty = (o: number, k: number, s: number, p: number, d: number, size: number) => {
    for (let i = 0; i < k; i++) if (o * s - p + i * d >= 0 && o * s - p + i * d < size) return false;
    return true;
  };
  for (let o = 0; o < g.oh; o++) if (empty(o, g.kh, g.strideH, g.padTop, g.dilationH, g.h)) return true;
  for (let o = 0; o < g.ow; o++) if (empty(o, g.kw, g.strideW, g.padLeft, g.dilationW, g.w)) return true;
  return false;
}

/** Smallest two's-complement width holding every integer of [lo, hi]. */
export function signedBits(lo: number, hi: number): number {
  let b = 1;
  while (lo < -(2 ** (b - 1)) || hi > 2 ** (b - 1) - 1) b++;
  return b;
}

export interface AccumulatorBound {
  /** taps per output (kh * kw * cg, or k) */
  taps: number;
  /** over all output channels: the extremes any partial sum can reach */
  lo: number;
  hi: number;
  /** never-overflowing accumulator width from the actual weights and ranges */
  bits: number;
  /** the data-blind worst case (see the top of this file) */
  genericBits: number;
  /** per output channel [lo, hi] */
  channels: Range[];
}

export function weightMax(n: WeightLayer): number {
  return n.pot ? 2 ** maxPotExponent(n.pot.bits) : 127;
}

export function accumulatorBound(n: WeightLayer, input: Range, zx: number): AccumulatorBound {
  const dmin = input[0] - zx, dmax = input[1] - zx;
  const m = n.op === 'conv' ? n.geometry.m : n.m;
  const taps = n.weights.length / m;
  const channels: Range[] = [];
  let lo = Infinity, hi = -Infinity;
  for (let o = 0; o < m; o++) {
    let l = n.bias[o]!, h = n.bias[o]!;
    for (let t = o * taps; t < (o + 1) * taps; t++) {
      const w = n.weights[t]!;
      const a = w * dmin, b = w * dmax;
      l += Math.min(0, a, b);
      h += Math.max(0, a, b);
    }
    channels.push([l, h]);
    lo = Math.min(lo, l);
    hi = Math.max(hi, h);
  }
  const g = 2 * taps * 255 * weightMax(n);
  return { taps, lo, hi, bits: signedBits(lo, hi), genericBits: signedBits(-g, g), channels };
}

/** Bounds of every conv / gemm layer, keyed by node name. */
export function accumulatorBounds(q: QGraph): Map<string, AccumulatorBound> {
  const ranges = valueRanges(q);
  const out = new Map<string, AccumulatorBound>();
  for (const n of q.nodes) {
    if (n.op !== 'conv' && n.op !== 'gemm') continue;
    const x = n.inputs[0]!;
    out.set(n.name, accumulatorBound(n, ranges.get(x)!, q.values.get(x)!.q.zeroPoint));
  }
  return out;
}
