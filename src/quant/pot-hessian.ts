// Input statistics of output-aware power-of-two rounding (src/quant/pot-gptq.ts): per layer and
// group the upper triangle of H = X^T X over im2col rows X sampled from the calibration
// activations, and the sum of all input patches (for the mean).
//
// Speed without changing a bit: rows are gathered into blocks of ROW_BLOCK, and H is updated one
// H row at a time with every row of the block that is nonzero at that column (8, 4, 2 or 1 rows per pass,
// added left to right). Each entry receives the same products in the same row order as adding
// one sample at a time (a zero factor adds +-0, which leaves a sum that is never -0 unchanged),
// so H is bit-identical; but the H row stays in L1 for the whole block instead of all of H being
// streamed once per sample.

import type { Tensor } from '../ir/tensor.js';
import type { WeightLayer } from './quantize-pot.js';
import { addRows9 } from './pot-hessian-k9.js';

/** im2col rows drawn per layer and group (the GPTQ_PARAMS.samples hyperparameter). */
export const HESSIAN_SAMPLES = 8192;
const ROW_BLOCK = 32;

export interface Stats {
  k: number;
  groups: number;
  /** per group, K x K row-major; only the upper triangle (j >= i) is filled */
  h: Float64Array[];
  /** per group, the sum of all input patches */
  mu: Float64Array[];
  rows: number;
  sampled?: number;
}

const MULBERRY_STEP = 0x6d2b79f5;

/** Output `index` (0-based) of the mulberry32 generator started at `seed`: its state only adds a step per draw. */
function rngAt(seed: number, index: number): number {
  let t = ((seed >>> 0) + Math.imul(index + 1, MULBERRY_STEP)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Blocks of rows added to an upper triangle in sample order (see the top of the file). */
class RowBlock {
  readonly buf: Float64Array;
  private readonly idx = new Int32Array(ROW_BLOCK);
  count = 0;
  constructor(private readonly K: number) {
    this.buf = new Float64Array(ROW_BLOCK * K);
  }

  /** The next row to fill (its K slots start at the returned offset), flushing a full block first. */
  next(h: Float64Array): number {
    if (this.count === ROW_BLOCK) this.flush(h);
    return this.count++ * this.K;
  }

  flush(h: Float64Array): void {
    const K = this.K, buf = this.buf, idx = this.idx, f = this.count;
    if (K === 9) {
      let z = 0; // stays +-0 unless a value is not finite
      for (let i = 0; i < f * 9; i++) z += buf[i]! * 0;
      if (z === 0) {
        addRows9(h, buf, f);
        this.count = 0;
        return;
      }
    }
    for (let a = 0; a < K; a++) {
      let c = 0;
      for (let r = 0; r < f; r++) if (buf[r * K + a] !== 0) idx[c++] = r * K;
      const hb = a * K;
      let i = 0;
      for (; i + 8 <= c; i += 8) {
        const o0 = idx[i]!, o1 = idx[i + 1]!, o2 = idx[i + 2]!, o3 = idx[i + 3]!, o4 = idx[i + 4]!, o5 = idx[i + 5]!, o6 = idx[i + 6]!, o7 = idx[i + 7]!;
        const x0 = buf[o0 + a]!, x1 = buf[o1 + a]!, x2 = buf[o2 + a]!, x3 = buf[o3 + a]!, x4 = buf[o4 + a]!, x5 = buf[o5 + a]!, x6 = buf[o6 + a]!, x7 = buf[o7 + a]!;
        for (let k = a; k < K; k++)
          h[hb + k] = h[hb + k]! + x0 * buf[o0 + k]! + x1 * buf[o1 + k]! + x2 * buf[o2 + k]! + x3 * buf[o3 + k]! + x4 * buf[o4 + k]! + x5 * buf[o5 + k]! + x6 * buf[o6 + k]! + x7 * buf[o7 + k]!;
      }
      for (; i + 4 <= c; i += 4) {
        const o0 = idx[i]!, o1 = idx[i + 1]!, o2 = idx[i + 2]!, o3 = idx[i + 3]!;
        const x0 = buf[o0 + a]!, x1 = buf[o1 + a]!, x2 = buf[o2 + a]!, x3 = buf[o3 + a]!;
        for (let k = a; k < K; k++) h[hb + k] = h[hb + k]! + x0 * buf[o0 + k]! + x1 * buf[o1 + k]! + x2 * buf[o2 + k]! + x3 * buf[o3 + k]!;
      }
      for (; i + 2 <= c; i += 2) {
        const o0 = idx[i]!, o1 = idx[i + 1]!, x0 = buf[o0 + a]!, x1 = buf[o1 + a]!;
        for (let k = a; k < K; k++) h[hb + k] = h[hb + k]! + x0 * buf[o0 + k]! + x1 * buf[o1 + k]!;
      }
      for (; i < c; i++) {
        const o0 = idx[i]!, x0 = buf[o0 + a]!;
        for (let k = a; k < K; k++) h[hb + k] = h[hb + k]! + x0 * buf[o0 + k]!;
      }
    }
    this.count = 0;
  }
}

/** Adds one layer input batch to its statistics: H over sampled rows, the patch sum over all rows. */
export function accumulate(l: WeightLayer, x: Tensor, st: Stats, seed: number): void {
  const a = new StatsAccumulator(l, st, seed, x.shape[0]!);
  a.add(x);
  a.end();
}

/**
 * The statistics of one batch of `images` images, fed in consecutive chunks (add, in image order),
 * bit-identical to one accumulate() over the whole batch: the rows sampled from all images'
 * output positions (the generator's draw for sample s of group g is number g * take + s, and the
 * sampled position rises with s, so a chunk takes a contiguous run of samples), each group's
 * rows added to H in the same order, and the patch sums taken from per-channel plane sums over
 * all images, windowed at the end.
 */
export class StatsAccumulator {
  private readonly blocks: RowBlock[];
  private readonly cursor: Int32Array; // per group: the next sample
  private readonly planes: Float64Array | undefined; // conv: per input channel, the sum of its planes
  private readonly total: number;
  private readonly take: number;
  private done = 0; // images added

  constructor(private readonly l: WeightLayer, private readonly st: Stats, private readonly seed: number, private readonly images: number) {
    this.blocks = Array.from({ length: st.groups }, () => new RowBlock(st.k));
    this.cursor = new Int32Array(st.groups);
    if (l.op === 'conv') {
      const g = l.geometry;
      this.total = images * g.oh * g.ow;
      this.take = Math.min(this.total, HESSIAN_SAMPLES);
      this.planes = new Float64Array(g.c * g.h * g.w);
    } else {
      this.total = images;
      this.take = images;
      this.planes = undefined;
    }
  }

  /** The next images of the batch (NCHW for conv, rows of K for gemm). */
  add(x: Tensor): void {
    const l = this.l, st = this.st, K = st.k, xd = x.data as Float32Array;
    if (l.op === 'gemm') {
      const n = xd.length / K, h = st.h[0]!, mu = st.mu[0]!, block = this.blocks[0]!, row = block.buf;
      for (let r = 0; r < n; r++) {
        const o = block.next(h);
        for (let i = 0; i < K; i++) { row[o + i] = xd[r * K + i]!; mu[i] += row[o + i]!; }
      }
      this.done += n;
      return;
    }
    const g = l.geometry, C = g.c, cg = C / g.group, H = g.h, W = g.w, n = xd.length / (C * H * W), hw = H * W, ow = g.ow, oh = g.oh, ohw = oh * ow;
    const kh = g.kh, kw = g.kw, sh = g.strideH, sw = g.strideW, dh = g.dilationH, dw = g.dilationW, pt = g.padTop, pl = g.padLeft;
    if (this.done + n > this.images) throw new Error(`StatsAccumulator: more than ${this.images} images`);
    const total = this.total, take = this.take, end = (this.done + n) * ohw, seed = this.seed;
    for (let grp = 0; grp < g.group; grp++) {
      const h = st.h[grp]!, block = this.blocks[grp]!, row = block.buf;
      let s = this.cursor[grp]!;
      for (; s < take; s++) {
        const p = Math.min(total - 1, Math.floor(((s + rngAt(seed, grp * take + s)) * total) / take));
        if (p >= end) break;
        const q = Math.floor(p / ow), b = Math.floor(q / oh) - this.done, oy = q - Math.floor(q / oh) * oh, ox = p - q * ow;
        const base = (b * C + grp * cg) * hw;
        let o = block.next(h);
        for (let i = 0; i < kh; i++) {
          const y = oy * sh + i * dh - pt;
          for (let j = 0; j < kw; j++, o += cg) {
            const xx = ox * sw + j * dw - pl;
            if (y >= 0 && y < H && xx >= 0 && xx < W) for (let ic = 0, at = base + y * W + xx; ic < cg; ic++, at += hw) row[o + ic] = xd[at]!;
            else for (let ic = 0; ic < cg; ic++) row[o + ic] = 0;
          }
        }
      }
      this.cursor[grp] = s;
    }
    // plane sums, image after image per element (eight images per pass over a plane: the same additions)
    const plane = this.planes!, s1 = C * hw;
    for (let c = 0; c < C; c++) {
      const pc = c * hw;
      let b = 0;
      for (; b + 8 <= n; b += 8) {
        const o = (b * C + c) * hw;
        for (let t = 0, q = o; t < hw; t++, q++)
          plane[pc + t] = plane[pc + t]! + xd[q]! + xd[q + s1]! + xd[q + 2 * s1]! + xd[q + 3 * s1]! + xd[q + 4 * s1]! + xd[q + 5 * s1]! + xd[q + 6 * s1]! + xd[q + 7 * s1]!;
      }
      for (; b < n; b++) { const off = (b * C + c) * hw; for (let t = 0; t < hw; t++) plane[pc + t] += xd[off + t]!; }
    }
    this.done += n;
  }

  /** Adds the rows still in blocks to H and the windowed patch sums to mu; the batch must be complete. */
  end(): void {
    const l = this.l, st = this.st;
    if (this.done !== this.images) throw new Error(`StatsAccumulator: ${this.done} of ${this.images} images added`);
    this.blocks.forEach((b, grp) => b.flush(st.h[grp]!));
    if (l.op === 'gemm') { st.rows += this.total; return; }
    const g = l.geometry, cg = g.c / g.group, hw = g.h * g.w, plane = this.planes!;
    for (let grp = 0; grp < g.group; grp++) {
      const mu = st.mu[grp]!;
      for (let ic = 0; ic < cg; ic++) {
        const pc = (grp * cg + ic) * hw;
        for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
          let s = 0;
          for (let oy = 0; oy < g.oh; oy++) {
            const y = oy * g.strideH + i * g.dilationH - g.padTop;
            if (y < 0 || y >= g.h) continue;
            for (let ox = 0; ox < g.ow; ox++) {
              const xx = ox * g.strideW + j * g.dilationW - g.padLeft;
              if (xx >= 0 && xx < g.w) s += plane[pc + y * g.w + xx]!;
            }
          }
          mu[(i * g.kw + j) * cg + ic] += s;
        }
      }
    }
    st.rows += this.total;
    st.sampled = (st.sampled ?? 0) + this.take;
  }
}
