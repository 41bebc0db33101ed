import { Qs8PotwConv2dParams, POTW_KR, POTW_PANEL_PIXELS, POTW_PANEL_ROW_BYTES } from "../../abi";
import { qs8_potw_load_pair__wasmsimd, qs8_potw_panel__wasmsimd, qs8_potw_transpose8x8__wasmsimd } from "../qs8-potw-gemm/wasmsimd";

// QConv with power-of-two weights, int8 NHWC, SIMD128, shift-add (route 3 of docs/method.md):
// per group and per panel of POTW_PANEL_PIXELS = 32 output pixels, gather 8 pixels at a time
// into int16 patch rows (runs of contiguous input bytes, as qs8_qc8w_conv2d_minmax__wasmsimd
// does), transpose them 8 x 8 into the panel (one row of 32 pixels per tap), then reduce the
// panel with the channel records: adds of panel rows in int16 lanes, no multiply, no
// variable shift (qs8_potw_panel__wasmsimd). Same panel and records as the scalar twin.
//
// ROUTES MEASURED (ResNet-20 3x3 pad 1 shapes, NHWC; GMAC-equivalent/s, fastest of 7 samples;
// bench/kernels/qs8-potw-conv2d.bench.ts; int8 = qs8_qc8w_conv2d_minmax__wasmsimd, same run):
//   (filled in below after measuring)

export function qs8_potw_conv2d_minmax__wasmsimd(p: Qs8PotwConv2dParams): void {
  const cg = p.c / p.group;
  const mg = p.m / p.group;
  const ow = p.ow;
  const pixels = p.oh * ow;
  const kPad = p.kPad;
  const rowBytes = <usize>kPad;
  const panel = p.scratch;
  const rows = panel + <usize>kPad * POTW_PANEL_ROW_BYTES;
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * p.c);
    const y = p.output + <usize>b * <usize>(pixels * p.m);
    for (let g = 0; g < p.group; g++) {
      const xg = x + <usize>(g * cg);
      const rec = p.packed + <usize>load<i32>(p.packed + (<usize>g << 2));
      for (let p0 = 0; p0 < pixels; p0 += POTW_PANEL_PIXELS) {
        const cols = min(POTW_PANEL_PIXELS, pixels - p0);
        let oy = p0 / ow;
        let ox = p0 - oy * ow;
        for (let c0 = 0; c0 < cols; c0 += POTW_KR) {
          gatherRows(p, xg, cg, oy, ox, min(POTW_KR, cols - c0), rows, rowBytes);
          for (let k = 0; k < kPad; k += POTW_KR) {
            const s = rows + <usize>k;
            qs8_potw_transpose8x8__wasmsimd(
              qs8_potw_load_pair__wasmsimd(s, s + rowBytes), qs8_potw_load_pair__wasmsimd(s + 2 * rowBytes, s + 3 * rowBytes),
              qs8_potw_load_pair__wasmsimd(s + 4 * rowBytes, s + 5 * rowBytes), qs8_potw_load_pair__wasmsimd(s + 6 * rowBytes, s + 7 * rowBytes),
              panel + <usize>k * POTW_PANEL_ROW_BYTES + <usize>c0,
            );
          }
          ox += POTW_KR;
          while (ox >= ow) {
            ox -= ow;
            oy++;
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

// Writes `len` bytes zx at d, 16 at a time (may write 15 past the end, like a run).
// @ts-ignore: decorator
@inline
function fillRun(d: usize, len: i32, zxv: v128): void {
  const end = d + <usize>len;
  while (d < end) {
    v128.store(d, zxv);
    d += 16;
  }
}

// Copies `len` bytes from src to d, 16 at a time: reads up to 15 bytes past src + len
// (EXTRA_BYTES) and writes up to 15 past d + len (the next run or row, or the row slack).
// @ts-ignore: decorator
@inline
function copyRun(src: usize, d: usize, len: i32): void {
  const end = d + <usize>len;
  while (d < end) {
    v128.store(d, v128.load(src));
    src += 16;
    d += 16;
  }
}

// Rows r < count of 8 patch rows starting at output pixel (oy, ox): row[(ky * kw + kx) * cg + ci]
// = x[iy][ix][ci], or zx (the qs8-qc8w gather; runs may write 7 int16 past a row's end, into the
// next row, which is gathered after, or into the 16 bytes of slack after row 7).
// @ts-ignore: decorator
@inline
function gatherRows(p: Qs8PotwConv2dParams, x: usize, cg: i32, oy: i32, ox: i32, count: i32, dst: usize, rowBytes: usize): void {
  const kh = p.kh, kw = p.kw, h = p.h, w = p.w, c = p.c, ow = p.ow;
  const sh = p.strideH, sw = p.strideW, dh = p.dilationH, dw = p.dilationW, pt = p.padTop, pl = p.padLeft;
  const zxw = i8x16.splat(<i8>p.zx);
  const tapsLen = kw * cg;
  const tapsBytes = <usize>tapsLen;
  const rowStride = <usize>w * <usize>c;
  const contiguous = cg == c && dw == 1;
  for (let r = 0; r < count; r++) {
    const iy0 = oy * sh - pt;
    const ix0 = ox * sw - pl;
    const wholeRow = contiguous && ix0 >= 0 && ix0 + kw <= w;
    let d = dst + <usize>r * rowBytes;
    for (let ky = 0; ky < kh; ky++, d += tapsBytes) {
      const iy = iy0 + ky * dh;
      if (<u32>iy >= <u32>h) {
        fillRun(d, tapsLen, zxw);
        continue;
      }
      const src = x + <usize>iy * rowStride;
      if (wholeRow) {
        copyRun(src + <usize>(ix0 * c), d, tapsLen);
        continue;
      }
      for (let kx = 0; kx < kw; kx++) {
        const ix = ix0 + kx * dw;
        const dk = d + <usize>(kx * cg);
        if (<u32>ix < <u32>w) {
          copyRun(src + <usize>(ix * c), dk, cg);
        } else {
          fillRun(dk, cg, zxw);
        }
      }
    }
    if (++ox == ow) {
      ox = 0;
      oy++;
    }
  }
}
