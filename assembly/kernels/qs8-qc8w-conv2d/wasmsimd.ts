import { Qs8Qc8wConv2dParams, QS8_BLOCK_HEADER_BYTES, QS8_GEMM_KR, QS8_GEMM_NR } from "../../abi";
import { qs8_extend_row__wasmsimd, qs8_qc8w_gemm_rows__wasmsimd } from "../qs8-qc8w-gemm/wasmsimd";
import { qs8_pot_unpack__wasmsimd } from "../qs8-pot-unpack/wasmsimd";

// QConv, int8 NHWC, SIMD128: the structure of qs8_qc8w_conv2d_minmax__scalar (gather a tile
// of int16 patch rows, then the 4x2 dot_i16x8_s GEMM micro-kernel), with the gather done in
// runs of contiguous input bytes, 8 at a time (v128.load8x8_s). In NHWC one output pixel's
// kx taps at dilation 1 are kw * c contiguous bytes of an input row, so a whole kernel row is
// one run whenever the window lies inside the image and group == 1.
// Runs may read 7 bytes past their end (EXTRA_BYTES) and write 7 int16 past it; the next run,
// or the next row's gather, overwrites them (row-buffer contract in assembly/abi.ts).
export function qs8_qc8w_conv2d_minmax__wasmsimd(p: Qs8Qc8wConv2dParams): void {
  const cg = p.c / p.group;
  const mg = p.m / p.group;
  const pixels = p.oh * p.ow;
  const rowBytes = <usize>p.kPad << 1;
  const blocks = (mg + QS8_GEMM_NR - 1) / QS8_GEMM_NR;
  let packed = p.packed, wBytes = p.wBytes;
  if (p.codeBits != 0) {
    qs8_pot_unpack__wasmsimd(p.packed, p.unpacked, p.group * blocks, p.kPad, p.codeBits);
    packed = p.unpacked;
    wBytes = 2;
  }
  const groupBytes = <usize>blocks * <usize>(QS8_BLOCK_HEADER_BYTES + p.kPad * QS8_GEMM_NR * wBytes);
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * p.c);
    const y = p.output + <usize>b * <usize>(pixels * p.m);
    for (let g = 0; g < p.group; g++) {
      const xg = x + <usize>(g * cg);
      for (let p0 = 0; p0 < pixels; p0 += p.tileP) {
        const rows = min(p.tileP, pixels - p0);
        const oy = p0 / p.ow;
        gatherTile(p, xg, cg, oy, p0 - oy * p.ow, rows, p.scratch, rowBytes);
        if (wBytes == 1) qs8_qc8w_gemm_rows__wasmsimd<i8>(p.scratch, rowBytes, rows, packed + <usize>g * groupBytes, mg, p.kPad, y + <usize>p0 * <usize>p.m + <usize>(g * mg), <usize>p.m, p.zy, p.qmin, p.qmax);
        else qs8_qc8w_gemm_rows__wasmsimd<i16>(p.scratch, rowBytes, rows, packed + <usize>g * groupBytes, mg, p.kPad, y + <usize>p0 * <usize>p.m + <usize>(g * mg), <usize>p.m, p.zy, p.qmin, p.qmax);
      }
    }
  }
}

// Writes `len` int16 zx at d, 8 at a time (may write 7 past the end, like a run).
// @ts-ignore: decorator
@inline
function fillRun(d: usize, len: i32, zxv: v128): void {
  const end = d + (<usize>len << 1);
  while (d < end) {
    v128.store(d, zxv);
    d += QS8_GEMM_KR << 1;
  }
}

// Rows r < rows of the tile starting at output pixel (oy, ox): the same rows as the scalar
// gatherRow, row[(ky * kw + kx) * cg + ci] = x[iy][ix][ci], or zx. Every params field is read
// once per tile into a local (V8 does not hoist loads through the stores of the loop).
// @ts-ignore: decorator
@inline
function gatherTile(p: Qs8Qc8wConv2dParams, x: usize, cg: i32, oy: i32, ox: i32, rows: i32, dst: usize, rowBytes: usize): void {
  const kh = p.kh, kw = p.kw, h = p.h, w = p.w, c = p.c, ow = p.ow;
  const sh = p.strideH, sw = p.strideW, dh = p.dilationH, dw = p.dilationW, pt = p.padTop, pl = p.padLeft;
  const zxw = i16x8.splat(<i16>p.zx);
  const tapsLen = kw * cg;
  const tapsBytes = <usize>tapsLen << 1;
  const rowStride = <usize>w * <usize>c;
  const contiguous = cg == c && dw == 1;
  for (let r = 0; r < rows; r++) {
    const iy0 = oy * sh - pt;
    const ix0 = ox * sw - pl;
    // one run per kernel row when the kw taps are contiguous and all inside the image
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
        qs8_extend_row__wasmsimd(src + <usize>(ix0 * c), d, tapsLen);
        continue;
      }
      for (let kx = 0; kx < kw; kx++) {
        const ix = ix0 + kx * dw;
        const dk = d + (<usize>(kx * cg) << 1);
        if (<u32>ix < <u32>w) {
          qs8_extend_row__wasmsimd(src + <usize>(ix * c), dk, cg);
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
