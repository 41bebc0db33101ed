import { Qs8Qc8wConv2dParams, QS8_BLOCK_HEADER_BYTES, QS8_GEMM_NR } from "../../abi";
import { qs8_qc8w_gemm_rows__scalar } from "../qs8-qc8w-gemm/scalar";
import { qs8_pot_unpack__scalar } from "../qs8-pot-unpack/scalar";

// QConv, int8 NHWC, per-channel int8 weights: per tile of output pixels, gather each pixel's
// kh x kw x (c/group) patch into an int16 row (zx where the window leaves the image), then
// multiply the rows by the packed weights (qs8_qc8w_gemm_rows__scalar). Groups (including
// depthwise) run group after group over the same code. Plain loops: the reference twin of
// qs8_qc8w_conv2d_minmax__wasmsimd, which uses the same packed layout (assembly/abi.ts).
export function qs8_qc8w_conv2d_minmax__scalar(p: Qs8Qc8wConv2dParams): void {
  const cg = p.c / p.group;
  const mg = p.m / p.group;
  const pixels = p.oh * p.ow;
  const rowBytes = <usize>p.kPad << 1;
  const blocks = (mg + QS8_GEMM_NR - 1) / QS8_GEMM_NR;
  let packed = p.packed, wBytes = p.wBytes;
  if (p.codeBits != 0) {
    qs8_pot_unpack__scalar(p.packed, p.unpacked, p.group * blocks, p.kPad, p.codeBits);
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
        for (let r = 0; r < rows; r++) {
          const oy = (p0 + r) / p.ow;
          const ox = (p0 + r) - oy * p.ow;
          gatherRow(p, xg, cg, oy, ox, p.scratch + <usize>r * rowBytes);
        }
        if (wBytes == 1) qs8_qc8w_gemm_rows__scalar<i8>(p.scratch, rowBytes, rows, packed + <usize>g * groupBytes, mg, p.kPad, y + <usize>p0 * <usize>p.m + <usize>(g * mg), <usize>p.m, p.zy, p.qmin, p.qmax);
        else qs8_qc8w_gemm_rows__scalar<i16>(p.scratch, rowBytes, rows, packed + <usize>g * groupBytes, mg, p.kPad, y + <usize>p0 * <usize>p.m + <usize>(g * mg), <usize>p.m, p.zy, p.qmin, p.qmax);
      }
    }
  }
}

// row[(ky * kw + kx) * cg + ci] = x[iy][ix][ci] (x: the group's first channel), or zx outside.
function gatherRow(p: Qs8Qc8wConv2dParams, x: usize, cg: i32, oy: i32, ox: i32, row: usize): void {
  const iy0 = oy * p.strideH - p.padTop;
  const ix0 = ox * p.strideW - p.padLeft;
  const zx = <i16>p.zx;
  let d = row;
  for (let ky = 0; ky < p.kh; ky++) {
    const iy = iy0 + ky * p.dilationH;
    for (let kx = 0; kx < p.kw; kx++) {
      const ix = ix0 + kx * p.dilationW;
      if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w) {
        const src = x + <usize>((iy * p.w + ix) * p.c);
        for (let ci = 0; ci < cg; ci++, d += 2) store<i16>(d, <i16>load<i8>(src + <usize>ci));
      } else {
        for (let ci = 0; ci < cg; ci++, d += 2) store<i16>(d, zx);
      }
    }
  }
}
