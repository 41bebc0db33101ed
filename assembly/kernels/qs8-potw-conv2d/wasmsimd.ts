import { Qs8PotwConv2dParams, POTW_KR, POTW_PANEL_PIXELS, POTW_PANEL_ROW_BYTES } from "../../abi";
import { qs8_potw_load_pair__wasmsimd, qs8_potw_panel__wasmsimd, qs8_potw_transpose8x8__wasmsimd } from "../qs8-potw-gemm/wasmsimd";
import { threadLocal } from "../../thread-local";

// QConv with power-of-two weights, int8 NHWC, SIMD128, shift-add (route 3 of docs/method.md):
// per image, copy the input into a zx-padded copy (hp x wp x c, in scratch after the panel), so
// that every kernel row (or tap, for groups / dilation) of every output pixel reads one
// contiguous run; per group and per panel of POTW_PANEL_PIXELS = 32 output pixels, transpose 8
// pixels x 8 run bytes at a time into the panel (one int8 row of 32 pixels per tap), then reduce
// the panel with the channel records: adds of panel rows in int16 lanes, no multiply, no
// variable shift (qs8_potw_panel__wasmsimd). Same panel and records as the scalar twin.
//
// ROUTES AND VARIANTS MEASURED. AMD EPYC (Zen 4, family 25 model 17; 32 KiB L1D), 2 cores,
// Node 20.20.2 (V8 11.3), 2026-11-27; bench/kernels/qs8-potw-conv2d.bench.ts, `log` codes,
// batch 32, GMAC-equivalent/s, int8 = qs8_qc8w_conv2d_minmax__wasmsimd in the same run
// (development runs took the fastest of 3 samples; the machine is shared, +-3 % noise).
// Shapes: conv1 3->16 32x32 | 16->16 32x32 | 16->32 s2 | 32->32 16x16 | 32->64 s2 | 64->64 8x8
//   int8 dot_i16x8 (reference, every run)      9.8  | 25.9 | 28.8 | 33.9 | 35.9 | 39.2
//   route 1, LUT decode (i8x16.swizzle) + dot:  not built. It is the int8 kernel's instruction
//       stream plus a decode of every weight vector (the int8 pack already holds the decoded
//       int16 weights), so the int8 column bounds it; it also multiplies (not shift-add).
//   route 2, per tap acc += ext(x) << e, i32 lanes, runtime count (kept gather below):
//                                               6.5  |  8.1 |  8.2 |  8.4 |  8.5 |  8.5
//   route 3, exponent levels + Horner doubling (this kernel), step by step:
//     a. int16 panel, int16 patch rows + 8x8 int16 transpose gather, i64x2.shr_s requant,
//        store8_lane outputs                    9.0  | 24.4 | 27.9 | 30.1 | 36.0 | 33.7
//     b. 64-pixel panel, i32 accumulators in memory (discarded: the panel leaves L1 and the
//        flushes cost more than the saved index loads)
//                                               8.7  | 22.5 | 24.9 | 26.7 | 27.9 | 26.9
//     c. a + int8 panel read with v128.load8x8_s (half the panel: K = 576 fits L1)
//                                               8.5  | 23.6 | 27.2 | 32.6 | 34.4 | 39.4
//     d. c + int8 patch rows, 8x8 byte transpose (no gain: the row copies stall)
//                                               8.5  | 23.8 | 24.3 | 33.4 | 35.0 | 39.7
//     e. c + zx-padded input copy, transposes straight from the runs (no row buffer)
//                                              10.8  | 27.0 | 29.1 | 35.0 | 36.3 | 40.5
//     f. e + requantization by the i64 high halves and one i32x4.shr_s (V8 emulates
//        i64x2.shr_s on x64 without AVX-512)   12.1  | 28.3 | 30.5 | 35.9 | 37.5 | 41.3
//     g. f + 16 x 16 byte transpose of 16 output channels before the stores (kept)
//                                              12.7  | 29.0 | 31.5 | 34.6 | 38.2 | 41.7
//   g over int8 in its full run (7 samples):    1.27 | 1.12 | 1.08 | 1.03 | 1.06 | 1.06  (batch 1:
//                                               1.30 | 1.13 | 1.09 | 1.07 | 1.06 | 1.06)
// Where g's time goes (16->16 32x32): about 17 % gather (padded copy + transposes), 20 % -> ~8 %
// requantization and stores (before f/g), the rest the add loop (13 instructions per tap and
// 32 pixels: index load, base add, 4 x load8x8_s, 4 x add, loop). Not done: a panel whose
// kx taps share rows shifted by one pixel (stride 1, ow % 32 == 0: a third of the gather),
// and per-layer generated code with immediate shifts (docs/method.md: ~48 GMAC/s microbench).

/** Byte addresses of the 8 pixels of the current chunk (scratch of this kernel, not shared). */
const BASES_STATIC = memory.data(POTW_KR * 4, 16);

export function qs8_potw_conv2d_minmax__wasmsimd(p: Qs8PotwConv2dParams): void {
  const BASES = threadLocal(BASES_STATIC);
  const cg = p.c / p.group;
  const mg = p.m / p.group;
  const c = p.c, ow = p.ow;
  const pixels = p.oh * ow;
  const kPad = p.kPad, lPad = p.lPad;
  const contiguous = p.group == 1 && p.dilationW == 1;
  const runs = kPad / lPad;
  const panel = p.scratch;
  const padded = panel + <usize>kPad * POTW_PANEL_ROW_BYTES;
  const rowStride = <usize>p.wp * <usize>c; // bytes per padded input row
  const pixStepX = <usize>(p.strideW * c);
  const pixStepY = <usize>p.strideH * rowStride;
  for (let b = 0; b < p.n; b++) {
    padImage(p, p.input + <usize>b * <usize>(p.h * p.w * c), padded, rowStride);
    const y = p.output + <usize>b * <usize>(pixels * p.m);
    for (let g = 0; g < p.group; g++) {
      const xg = padded + <usize>(g * cg);
      const rec = p.packed + <usize>load<i32>(p.packed + (<usize>g << 2));
      for (let p0 = 0; p0 < pixels; p0 += POTW_PANEL_PIXELS) {
        const cols = min(POTW_PANEL_PIXELS, pixels - p0);
        let oy = p0 / ow;
        let ox = p0 - oy * ow;
        for (let c0 = 0; c0 < cols; c0 += POTW_KR) {
          // window origins of the chunk's pixels; pixels past `cols` repeat the last one
          const count = min(POTW_KR, cols - c0);
          let last: usize = 0;
          for (let t = 0; t < POTW_KR; t++) {
            if (t < count) {
              last = xg + <usize>oy * pixStepY + <usize>ox * pixStepX;
              if (++ox == ow) {
                ox = 0;
                oy++;
              }
            }
            store<usize>(BASES + (<usize>t << 2), last);
          }
          const b0 = load<usize>(BASES), b1 = load<usize>(BASES, 4), b2 = load<usize>(BASES, 8), b3 = load<usize>(BASES, 12);
          const b4 = load<usize>(BASES, 16), b5 = load<usize>(BASES, 20), b6 = load<usize>(BASES, 24), b7 = load<usize>(BASES, 28);
          let dst = panel + <usize>c0;
          for (let r = 0; r < runs; r++) {
            // run r: kernel row ky (contiguous) or tap (ky, kx)
            const ky = contiguous ? r : r / p.kw;
            const kx = contiguous ? 0 : r - ky * p.kw;
            const run = <usize>(ky * p.dilationH) * rowStride + <usize>(kx * p.dilationW * c);
            for (let j = 0; j < lPad; j += POTW_KR) {
              const o = run + <usize>j;
              qs8_potw_transpose8x8__wasmsimd(
                qs8_potw_load_pair__wasmsimd(b0 + o, b1 + o), qs8_potw_load_pair__wasmsimd(b2 + o, b3 + o),
                qs8_potw_load_pair__wasmsimd(b4 + o, b5 + o), qs8_potw_load_pair__wasmsimd(b6 + o, b7 + o),
                dst,
              );
              dst += POTW_KR * POTW_PANEL_ROW_BYTES;
            }
          }
        }
        qs8_potw_panel__wasmsimd(
          panel, cols, rec, mg,
          y + <usize>p0 * <usize>p.m + <usize>(g * mg), <usize>p.m, p.zy, p.qmin, p.qmax,
        );
      }
    }
  }
}

// Writes zx over [d, end), 16 bytes at a time (may write 15 past end).
// @ts-ignore: decorator
@inline
function fill(d: usize, end: usize, zxv: v128): void {
  for (; d < end; d += 16) v128.store(d, zxv);
}

// padded[py][px][ci] = x[py - padTop][px - padLeft][ci] inside the image, zx elsewhere
// (hp x wp pixels). Pieces are written in increasing address order, each 16 bytes at a time,
// so the up to 15 bytes a piece writes past its end are overwritten by the next piece (the
// last one spills into the 16 bytes of slack after the copy). Reads up to 15 bytes past an
// input row (EXTRA_BYTES after the last one).
function padImage(p: Qs8PotwConv2dParams, x: usize, padded: usize, rowStride: usize): void {
  const zxv = i8x16.splat(<i8>p.zx);
  const c = <usize>p.c;
  const top = padded + <usize>p.padTop * rowStride;
  fill(padded, top, zxv);
  const left = <usize>p.padLeft * c;
  const rowBytes = <usize>p.w * c;
  let d = top;
  for (let iy = 0; iy < p.h; iy++, d += rowStride) {
    fill(d, d + left, zxv);
    const src = x + <usize>iy * rowBytes;
    for (let o: usize = 0; o < rowBytes; o += 16) v128.store(d + left + o, v128.load(src + o));
    fill(d + left + rowBytes, d + rowStride, zxv);
  }
  fill(d, padded + <usize>p.hp * rowStride, zxv);
}
