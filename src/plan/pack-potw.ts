// Packer of the potw weight format (shift-add kernels): a group-offset table, then one record
// per output channel with its taps sorted into exponent levels (largest first) and segments of
// at most POTW_SEGMENT_TAPS taps, positive taps first. Layout: assembly/abi/potw.ts.

import { maxPotExponent, potExponents } from '../core/pot-codec.js';
import { ABI_CONSTANTS as C } from '../engine/abi.js';
import type { Conv2dGeometry } from '../ir/qgraph.js';

const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;

/**
 * Panel layout of a potw conv (assembly/abi/potw.ts): the panel row of every tap k (OHWI order),
 * rows per run (lPad), panel rows (kPad) and the zx-padded input copy (hp x wp) of the SIMD kernel.
 */
export function potwConvLayout(g: Conv2dGeometry): { rowOf: Int32Array; lPad: number; kPad: number; hp: number; wp: number } {
  const cg = g.c / g.group;
  const contiguous = g.group === 1 && g.dilationW === 1;
  const lPad = alignUp(contiguous ? g.kw * g.c : cg, C.POTW_KR);
  const runs = contiguous ? g.kh : g.kh * g.kw;
  const rowOf = new Int32Array(g.kh * g.kw * cg);
  for (let ky = 0; ky < g.kh; ky++) {
    for (let kx = 0; kx < g.kw; kx++) {
      const base = contiguous ? ky * lPad + kx * g.c : (ky * g.kw + kx) * lPad;
      for (let ci = 0; ci < cg; ci++) rowOf[(ky * g.kw + kx) * cg + ci] = base + ci;
    }
  }
  const hp = Math.max(g.h + g.padTop, (g.oh - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1);
  const wp = Math.max(g.w + g.padLeft, (g.ow - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1);
  return { rowOf, lPad, kPad: runs * lPad, hp, wp };
}

/** The exponent (0..7, -1 for a zero weight) and sign of every weight of a PoT layer (src/core/pot-codec.ts). */
export function potWeightExponents(op: string, weights: ArrayLike<number>, bits: number): { exp: Int8Array; neg: Uint8Array } {
  if (bits !== 4 && bits !== 5) throw new Error(`${op}: pot.bits must be 4 or 5, got ${bits}`);
  const r = potExponents(weights, bits);
  if ('bad' in r) throw new Error(`${op}: weights[${r.bad}] = ${weights[r.bad]} is not a ${bits}-bit PoT weight (0 or +-2^e, e <= ${maxPotExponent(bits)})`);
  return r;
}

export interface PackedPotw {
  bytes: Uint8Array;
  /** channel headers (bias', mult, shift, levels, round) and the group table; the rest are level / segment counts and taps */
  constantBytes: number;
}

/** `rowOf`: panel row of each tap (conv), or null (gemm: row(k) = k). */
export function packPotw(
  exp: Int8Array, neg: Uint8Array, bias: Int32Array, mult: ArrayLike<number>, shift: ArrayLike<number>,
  groups: number, mg: number, k: number, zx: number, rowOf: Int32Array | null,
): PackedPotw {
  const words: number[] = new Array<number>(groups).fill(0);
  const pos: number[][] = Array.from({ length: 8 }, () => []);
  const negs: number[][] = Array.from({ length: 8 }, () => []);
  for (let g = 0; g < groups; g++) {
    words[g] = words.length * 4;
    for (let j = 0; j < mg; j++) {
      const ch = g * mg + j;
      for (let e = 0; e < 8; e++) {
        pos[e]!.length = 0;
        negs[e]!.length = 0;
      }
      let emax = -1;
      let sum = 0;
      for (let kk = 0; kk < k; kk++) {
        const e = exp[ch * k + kk]!;
        if (e < 0) continue;
        const isNeg = neg[ch * k + kk] === 1;
        (isNeg ? negs : pos)[e]!.push((rowOf === null ? kk : rowOf[kk]!) * C.POTW_PANEL_ROW_BYTES);
        sum += isNeg ? -(2 ** e) : 2 ** e;
        emax = Math.max(emax, e);
      }
      const round = 2 ** (shift[ch]! - 1); // little-endian i64 as two i32 halves
      // kernel sums are modulo 2^32; the true accumulator fits an i32
      words.push((bias[ch]! - zx * sum) | 0, mult[ch]!, shift[ch]!, emax + 1, round % 2 ** 32 | 0, Math.floor(round / 2 ** 32), 0, 0);
      for (let e = emax; e >= 0; e--) {
        const taps = [...pos[e]!, ...negs[e]!];
        const npos = pos[e]!.length;
        const nseg = Math.ceil(taps.length / C.POTW_SEGMENT_TAPS);
        words.push(nseg);
        for (let s = 0; s < nseg; s++) {
          const from = s * C.POTW_SEGMENT_TAPS, to = Math.min(taps.length, from + C.POTW_SEGMENT_TAPS);
          const segPos = Math.max(0, Math.min(npos, to) - from);
          words.push(segPos, to - from - segPos, ...taps.slice(from, to));
        }
      }
    }
  }
  return { bytes: new Uint8Array(Int32Array.from(words).buffer), constantBytes: 4 * groups + groups * mg * C.POTW_CHANNEL_HEADER_BYTES };
}
