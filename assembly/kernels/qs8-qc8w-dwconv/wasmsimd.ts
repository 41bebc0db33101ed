import { DW_CR, DW_GROUP_HEADER_BYTES, Qs8Qc8wDwconvParams } from "../../abi";
import { requantize } from "../../requant";
import { qs8_pot_unpack_run__wasmsimd } from "../qs8-pot-unpack/wasmsimd";
import { tapPointers } from "./scalar";

// Depthwise QConv (group == c == m), int8 NHWC, SIMD128, 16 channels in the lanes: per output
// pixel and group of 16 channels, taps in pairs: the int8 input of taps t and t+1 is widened
// (v128.load8x8_s) and interleaved in int16, so that i32x4.dot_i16x8_s adds both taps' products
// of 4 channels at once (x86: one pmaddwd). x * w fits an int16 pair sum (|x| <= 128,
// |w| <= 128: 2 * 2^14 < 2^31). Integer sums are exact in any order: the bytes equal
// qs8_qc8w_dwconv_minmax__scalar's. Requantization: one common shift S per group
// (assembly/abi/dwconv.ts), else lane by lane with assembly/requant.ts.
// Loads may read up to 15 bytes past a pixel's last channel (EXTRA_BYTES covers the buffer's end).
// Tap addresses: windows inside the image add a per-call offset table to the window's origin;
// border windows build the per-pixel pointer table of the scalar twin (tapPointers).
// see: XNNPACK src/qs8-dwconv/ (channels in lanes, per-pixel tap pointers: an indirection buffer)

const TMP = memory.data(64, 16);

export function qs8_qc8w_dwconv_minmax__wasmsimd(p: Qs8Qc8wDwconvParams): void {
  const groups = (p.c + DW_CR - 1) / DW_CR;
  const tPad = (p.kh * p.kw + 1) & ~1;
  const zrow = p.scratch;
  memory.fill(zrow, <u8>p.zx, <usize>(groups * DW_CR));
  const weights = p.packed + <usize>(groups * DW_GROUP_HEADER_BYTES);
  if (p.codeBits != 0) {
    qs8_pot_unpack_run__wasmsimd(weights, p.unpacked, groups * tPad * DW_CR, p.codeBits);
    run<i16>(p, p.unpacked, groups, tPad);
  } else if (p.wBytes == 1) {
    run<i8>(p, weights, groups, tPad);
  } else {
    run<i16>(p, weights, groups, tPad);
  }
}

function run<W>(p: Qs8Qc8wDwconvParams, weights: usize, groups: i32, tPad: i32): void {
  const c = p.c, pairs = tPad >> 1;
  const zrow = p.scratch, ptrs = p.scratch + <usize>(groups * DW_CR), offs = ptrs + (<usize>tPad << 2);
  // windows inside the image read base + offs[t] (no per-pixel table); the pad tap reads tap 0
  const kh = p.kh, kw = p.kw, dh = p.dilationH, dw = p.dilationW, h = p.h, w = p.w, sh = p.strideH, sw = p.strideW, pt = p.padTop, pl = p.padLeft;
  for (let ky = 0, d = offs; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++, d += 4) store<usize>(d, (<usize>(ky * dh) * <usize>w + <usize>(kx * dw)) * <usize>c);
  }
  if (kh * kw < tPad) store<usize>(offs + (<usize>(kh * kw) << 2), 0);
  const spanH = (kh - 1) * dh, spanW = (kw - 1) * dw;
  const wStride = <usize>(tPad * DW_CR) * sizeof<W>();
  const zy = p.zy, qmin = p.qmin, qmax = p.qmax;
  const zyv = i32x4.splat(zy), qminv = i8x16.splat(<i8>qmin), qmaxv = i8x16.splat(<i8>qmax);
  const oh = p.oh, ow = p.ow;
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * c);
    let y = p.output + <usize>b * <usize>(oh * ow * c);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, y += <usize>c) {
        const iy0 = oy * sh - pt, ix0 = ox * sw - pl;
        const inside = iy0 >= 0 && iy0 + spanH < h && ix0 >= 0 && ix0 + spanW < w;
        let table = offs, base: usize = x + (<usize>iy0 * <usize>w + <usize>ix0) * <usize>c;
        if (!inside) {
          tapPointers(p, x, oy, ox, zrow, ptrs, tPad);
          table = ptrs;
          base = 0;
        }
        for (let g = 0; g < groups; g++) {
          const hdr = p.packed + <usize>(g * DW_GROUP_HEADER_BYTES);
          const off = <usize>(g * DW_CR);
          const gb = base + off;
          let a0 = v128.load(hdr), a1 = v128.load(hdr, 16), a2 = v128.load(hdr, 32), a3 = v128.load(hdr, 48);
          let wp = weights + <usize>g * wStride;
          for (let q = 0, pp = table; q < pairs; q++, pp += 8) {
            const p0 = load<usize>(pp) + gb, p1 = load<usize>(pp, 4) + gb;
            const x0 = v128.load8x8_s(p0), x1 = v128.load8x8_s(p1);
            const x2 = v128.load8x8_s(p0, 8), x3 = v128.load8x8_s(p1, 8);
            let w0: v128, w1: v128, w2: v128, w3: v128;
            if (sizeof<W>() == 1) {
              w0 = v128.load8x8_s(wp); w1 = v128.load8x8_s(wp, 8); w2 = v128.load8x8_s(wp, 16); w3 = v128.load8x8_s(wp, 24);
            } else {
              w0 = v128.load(wp); w1 = v128.load(wp, 16); w2 = v128.load(wp, 32); w3 = v128.load(wp, 48);
            }
            wp += 32 * sizeof<W>();
            a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shuffle(x0, x1, 0, 8, 1, 9, 2, 10, 3, 11), w0));
            a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.shuffle(x0, x1, 4, 12, 5, 13, 6, 14, 7, 15), w1));
            a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.shuffle(x2, x3, 0, 8, 1, 9, 2, 10, 3, 11), w2));
            a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.shuffle(x2, x3, 4, 12, 5, 13, 6, 14, 7, 15), w3));
          }
          const nc = min(DW_CR, c - <i32>off);
          const y0 = y + off;
          const s = load<i32>(hdr, 256);
          if (s != 0) {
            const rnd = i64x2.splat(<i64>1 << <i64>(s - 1));
            const r0 = i32x4.add(rq(a0, v128.load(hdr, 128), v128.load(hdr, 64), rnd, s), zyv);
            const r1 = i32x4.add(rq(a1, v128.load(hdr, 144), v128.load(hdr, 80), rnd, s), zyv);
            const r2 = i32x4.add(rq(a2, v128.load(hdr, 160), v128.load(hdr, 96), rnd, s), zyv);
            const r3 = i32x4.add(rq(a3, v128.load(hdr, 176), v128.load(hdr, 112), rnd, s), zyv);
            const v = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3));
            const o = i8x16.min_s(i8x16.max_s(v, qminv), qmaxv);
            if (nc == DW_CR) {
              v128.store(y0, o);
            } else {
              v128.store(TMP, o);
              memory.copy(y0, TMP, <usize>nc);
            }
          } else {
            v128.store(TMP, a0);
            v128.store(TMP, a1, 16);
            v128.store(TMP, a2, 32);
            v128.store(TMP, a3, 48);
            for (let j = 0; j < nc; j++) {
              const o = <usize>j << 2;
              store<i8>(y0 + <usize>j, <i8>requantize(load<i32>(TMP + o), load<i32>(hdr + o, 64), load<i32>(hdr + o, 192), zy, qmin, qmax));
            }
          }
        }
      }
    }
  }
}

// (acc * pow2d * mult + 2^(s-1)) >> s per lane, the low halves of the i64 results.
// @ts-ignore: decorator
@inline
function rq(acc: v128, pow2d: v128, mult: v128, rnd: v128, s: i32): v128 {
  const a = i32x4.mul(acc, pow2d);
  const lo = i64x2.shr_s(i64x2.add(i64x2.extmul_low_i32x4_s(a, mult), rnd), s);
  const hi = i64x2.shr_s(i64x2.add(i64x2.extmul_high_i32x4_s(a, mult), rnd), s);
  return i32x4.shuffle(lo, hi, 0, 2, 4, 6);
}
