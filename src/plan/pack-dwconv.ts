// Packer and layer step of the depthwise conv kernel (qs8-qc8w-dwconv; layout:
// assembly/abi/dwconv.ts): per group of DW_CR channels a header (bias', requantization, the
// common-shift fields), then the weights in tap-pair order, as int8, int16 or PoT codes.

import { ABI_CONSTANTS as C } from '../engine/abi.js';
import { dwHeaderBytes, dwPackedBytes, dwScratchBytes, dwShape, dwUnpackedBytes, dwWeightCount } from '../engine/dwconv-layout.js';
import type { KernelParams } from '../engine/kernel-specs.js';
import type { Conv2dGeometry, QConv } from '../ir/qgraph.js';
import { packPotCodes } from './pack-potc.js';
import { potWeightExponents } from './pack-potw.js';

/** Depthwise with channel multiplier 1: the layers this kernel runs (group 1 stays a plain conv). */
export const isDepthwise = (g: Conv2dGeometry): boolean => g.group > 1 && g.group === g.c && g.m === g.c;

/**
 * The common shift S of channels ch0 .. ch0 + n of a group, or 0 when a lane-by-lane
 * requantization is needed: S >= 32 (so the result fits an i32) and, for every channel,
 * |acc| * 2^(S - shift) < 2^31 for every input (|acc| <= |bias| + max|x - zx| * sum |w|).
 */
function commonShift(weights: ArrayLike<number>, bias: Int32Array, shift: ArrayLike<number>, taps: number, zx: number, ch0: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s = Math.max(s, shift[ch0 + j]!);
  if (s < 32) return 0;
  const xMax = Math.max(127 - zx, zx + 128);
  for (let j = 0; j < n; j++) {
    const ch = ch0 + j;
    let sum = 0;
    for (let t = 0; t < taps; t++) sum += Math.abs(weights[ch * taps + t]!);
    if ((Math.abs(bias[ch]!) + xMax * sum) * 2 ** (s - shift[ch]!) >= 2 ** 31) return 0;
  }
  return s;
}

/** Headers and weights (wBytes each) of `c` channels of `taps` weights (row ch * taps + t of `weights`). */
export function packDwconv(weights: ArrayLike<number>, bias: Int32Array, mult: ArrayLike<number>, shift: ArrayLike<number>, c: number, taps: number, zx: number, wBytes: 1 | 2): Uint8Array {
  const CR = C.DW_CR, H = C.DW_GROUP_HEADER_BYTES;
  const { groups, tPad } = dwShape(c, taps);
  const out = new ArrayBuffer(dwPackedBytes(c, taps, wBytes));
  const i32 = new Int32Array(out, 0, dwHeaderBytes(c) / 4);
  const wv = wBytes === 1 ? new Int8Array(out, dwHeaderBytes(c)) : new Int16Array(out, dwHeaderBytes(c));
  for (let g = 0; g < groups; g++) {
    const h = (g * H) / 4, n = Math.min(CR, c - g * CR);
    const s = commonShift(weights, bias, shift, taps, zx, g * CR, n);
    i32[h + 64] = s;
    for (let j = 0; j < CR; j++) {
      i32[h + 32 + j] = 1; // pow2d of padding lanes (their mult is 0)
      if (j >= n) continue;
      const ch = g * CR + j;
      let sum = 0;
      for (let t = 0; t < taps; t++) {
        const w = weights[ch * taps + t]!;
        if (wBytes === 1 && (w < -128 || w > 127)) throw new Error(`packDwconv: weight ${w} does not fit int8`);
        sum += w;
        wv[g * tPad * CR + (t >> 1) * 2 * CR + 2 * j + (t & 1)] = w;
      }
      i32[h + j] = (bias[ch]! - zx * sum) | 0; // kernel sums are modulo 2^32; the true accumulator fits an i32
      i32[h + 16 + j] = mult[ch]!;
      // S - shift >= 31 passes the bound only for a channel whose acc is always 0: any pow2d then gives 0
      i32[h + 32 + j] = s === 0 ? 1 : 2 ** Math.min(30, s - shift[ch]!);
      i32[h + 48 + j] = shift[ch]!;
    }
  }
  return new Uint8Array(out);
}

/**
 * The dwconv kernel call of a validated depthwise layer. int8 layers: int8 weights read in the
 * loop (int16 when `int16`); PoT layers: codes unpacked per call (`codes`), else resident int16.
 */
export function dwconvStep(op: string, node: QConv, zx: number, zy: number, codes: boolean, int16: boolean) {
  const g = node.geometry;
  const geo = {
    c: g.c, h: g.h, w: g.w, kh: g.kh, kw: g.kw, strideH: g.strideH, strideW: g.strideW, padTop: g.padTop, padLeft: g.padLeft,
    dilationH: g.dilationH, dilationW: g.dilationW, oh: g.oh, ow: g.ow, zx, zy, qmin: node.qmin, qmax: node.qmax,
  };
  const taps = geo.kh * geo.kw;
  const { mult, shift } = node.requant;
  const pot = node.pot;
  if (pot) potWeightExponents(op, node.weights, pot.bits);
  const wBytes = pot || int16 ? 2 : 1; // decoded PoT weights reach +-128
  let packed = packDwconv(node.weights, node.bias, mult, shift, geo.c, taps, geo.zx, wBytes);
  let codeBits = 0, unpackBytes = 0;
  if (pot && codes) {
    const header = dwHeaderBytes(geo.c), count = dwWeightCount(geo.c, taps);
    // packPotCodes converts qc8w blocks: the weights region as one block behind a dummy header
    const block = new Uint8Array(C.QS8_BLOCK_HEADER_BYTES + 2 * count);
    block.set(packed.subarray(header), C.QS8_BLOCK_HEADER_BYTES);
    const bits = pot.bits as 4 | 5;
    const coded = packPotCodes(op, block, 1, count / C.QS8_GEMM_NR, bits);
    const out = new Uint8Array(dwPackedBytes(geo.c, taps, 2, bits));
    out.set(packed.subarray(0, header));
    out.set(coded.subarray(C.QS8_BLOCK_HEADER_BYTES), header);
    packed = out;
    codeBits = bits;
    unpackBytes = dwUnpackedBytes(geo.c, taps);
  }
  const params: KernelParams<'qs8-qc8w-dwconv'> = { input: 0, packed: 0, output: 0, scratch: 0, n: 1, ...geo, wBytes, codeBits, unpacked: 0 };
  return { kernel: 'qs8-qc8w-dwconv' as const, params, packed, constantBytes: dwHeaderBytes(geo.c), scratchBytes: dwScratchBytes(geo.c, taps), unpackBytes };
}
