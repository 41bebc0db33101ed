import { DW_CR, DW_GROUP_HEADER_BYTES, Qs8Qc8wDwconvParams } from "../../abi";
import { requantize } from "../../requant";
import { qs8_pot_unpack_run__scalar } from "../qs8-pot-unpack/scalar";

// Depthwise QConv (group == c == m), int8 NHWC, plain loops: the reference twin of
// qs8_qc8w_dwconv_minmax__wasmsimd, on the same packed layout (assembly/abi/dwconv.ts). Per
// output pixel, the tap pointers (the input pixel, or the zx row where the window leaves the
// image) are written to scratch once and shared by all channels.
export function qs8_qc8w_dwconv_minmax__scalar(p: Qs8Qc8wDwconvParams): void {
  const c = p.c, groups = (c + DW_CR - 1) / DW_CR;
  const taps = p.kh * p.kw, tPad = (taps + 1) & ~1;
  const zrow = p.scratch, ptrs = p.scratch + <usize>(groups * DW_CR);
  memory.fill(zrow, <u8>p.zx, <usize>(groups * DW_CR));
  let weights = p.packed + <usize>(groups * DW_GROUP_HEADER_BYTES), wBytes = p.wBytes;
  if (p.codeBits != 0) {
    qs8_pot_unpack_run__scalar(weights, p.unpacked, groups * tPad * DW_CR, p.codeBits);
    weights = p.unpacked;
    wBytes = 2;
  }
  const wStride = <usize>(tPad * DW_CR);
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * c);
    let y = p.output + <usize>b * <usize>(p.oh * p.ow * c);
    for (let oy = 0; oy < p.oh; oy++) {
      for (let ox = 0; ox < p.ow; ox++, y += <usize>c) {
        tapPointers(p, x, oy, ox, zrow, ptrs, tPad);
        for (let ch = 0; ch < c; ch++) {
          const g = ch / DW_CR, j = ch - g * DW_CR;
          const hdr = p.packed + <usize>(g * DW_GROUP_HEADER_BYTES) + (<usize>j << 2);
          const wg = <usize>g * wStride + <usize>(2 * j);
          let acc = load<i32>(hdr);
          for (let t = 0; t < taps; t++) {
            const xv = <i32>load<i8>(load<usize>(ptrs + (<usize>t << 2)) + <usize>ch);
            acc += xv * weightAt(weights, wBytes, wg + <usize>((t >> 1) * 2 * DW_CR + (t & 1)));
          }
          store<i8>(y + <usize>ch, <i8>requantize(acc, load<i32>(hdr, 64), load<i32>(hdr, 192), p.zy, p.qmin, p.qmax));
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function weightAt(weights: usize, wBytes: i32, i: usize): i32 {
  return wBytes == 1 ? <i32>load<i8>(weights + i) : <i32>load<i16>(weights + (i << 1));
}

/**
 * ptrs[t] = address of input pixel (iy, ix) of tap t = ky * kw + kx, or zrow outside the image;
 * ptrs[taps .. tPad) = zrow (taps of weight 0).
 */
export function tapPointers(p: Qs8Qc8wDwconvParams, x: usize, oy: i32, ox: i32, zrow: usize, ptrs: usize, tPad: i32): void {
  const iy0 = oy * p.strideH - p.padTop, ix0 = ox * p.strideW - p.padLeft;
  const h = p.h, w = p.w, kh = p.kh, kw = p.kw, dh = p.dilationH, dw = p.dilationW;
  const rowBytes = <usize>w * <usize>p.c, c = <usize>p.c;
  let d = ptrs;
  for (let ky = 0; ky < kh; ky++) {
    const iy = iy0 + ky * dh;
    const row = x + <usize>iy * rowBytes;
    const inRow = <u32>iy < <u32>h;
    for (let kx = 0; kx < kw; kx++, d += 4) {
      const ix = ix0 + kx * dw;
      store<usize>(d, inRow && <u32>ix < <u32>w ? row + <usize>ix * c : zrow);
    }
  }
  if (kh * kw < tPad) store<usize>(d, zrow);
}
