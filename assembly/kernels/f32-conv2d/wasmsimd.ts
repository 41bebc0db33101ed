import { F32Conv2dParams, F32_PANEL_COLS } from "../../abi";
import { f32_im2col__wasmsimd } from "../f32-im2col/wasmsimd";

// ONNX Conv, float32, NCHW: im2col into 8-wide panels (a 1x1 stride-1 unpadded conv reads whole
// panels from x itself, as the scalar twin), then a 4x8 register-blocked GEMM
// (4 output channels x 2 f32x4, 8 accumulators). Baseline SIMD128 only (mul + add, no FMA),
// same summation order as f32_conv2d__scalar, hence bit-identical results.
// see: XNNPACK src/f32-gemm/gen/f32-gemm-4x8-minmax-wasmsimd-splat.c
export function f32_conv2d__wasmsimd(p: F32Conv2dParams): void {
  const cg = p.c / p.group;
  const mg = p.m / p.group;
  const kdim = cg * p.kh * p.kw;
  const pixels = p.oh * p.ow;
  const hw = p.h * p.w;
  // 1x1, stride 1, no padding: the im2col panel is a copy of 8 pixels of each channel row
  const direct = p.kh == 1 && p.kw == 1 && p.strideH == 1 && p.strideW == 1 && p.padTop == 0 && p.padLeft == 0 && p.oh == p.h && p.ow == p.w;
  for (let n = 0; n < p.n; n++) {
    for (let g = 0; g < p.group; g++) {
      const x = p.input + (<usize>((n * p.c + g * cg) * hw) << 2);
      const wg = p.weight + (<usize>(g * mg * kdim) << 2);
      const bg = p.bias != 0 ? p.bias + (<usize>(g * mg) << 2) : 0;
      const y = p.output + (<usize>((n * p.m + g * mg) * pixels) << 2);
      for (let p0 = 0; p0 < pixels; p0 += p.tileP) {
        const pc = min(p.tileP, pixels - p0);
        let t0 = p0, tc = pc;
        if (direct) {
          // whole panels straight from x (pixel q of channel k is x[k * pixels + q]); a tail is packed
          const full = pc & ~(F32_PANEL_COLS - 1);
          if (full > 0) gemmTile(wg, bg, mg, kdim, x + (<usize>p0 << 2), F32_PANEL_COLS * 4, <usize>pixels << 2, y + (<usize>p0 << 2), pixels, full);
          t0 += full;
          tc -= full;
          if (tc == 0) continue;
        }
        f32_im2col__wasmsimd(p, x, t0, tc, p.scratch);
        gemmTile(wg, bg, mg, kdim, p.scratch, <usize>kdim * F32_PANEL_COLS * 4, F32_PANEL_COLS * 4, y + (<usize>t0 << 2), pixels, tc);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function biasSplat(b: usize, mi: i32): v128 {
  return b != 0 ? v128.load32_splat(b + (<usize>mi << 2)) : f32x4.splat(0);
}

// Stores nc (1..8) lanes of [lo, hi] to row; never writes past the nc-th float.
// @ts-ignore: decorator
@inline
function storeRow(row: usize, lo: v128, hi: v128, nc: i32): void {
  if (nc == F32_PANEL_COLS) {
    v128.store(row, lo);
    v128.store(row, hi, 16);
    return;
  }
  let rest = lo;
  let r = nc;
  if (nc >= 4) {
    v128.store(row, lo);
    row += 16;
    rest = hi;
    r -= 4;
  }
  if (r > 0) store<f32>(row, f32x4.extract_lane(rest, 0));
  if (r > 1) store<f32>(row, f32x4.extract_lane(rest, 1), 4);
  if (r > 2) store<f32>(row, f32x4.extract_lane(rest, 2), 8);
}

// Panel j >> 3 starts at src + (j >> 3) * panelStride, its row k (8 pixels) at + k * kStride.
function gemmTile(w: usize, b: usize, mg: i32, kdim: i32, src: usize, panelStride: usize, kStride: usize, y: usize, ldy: i32, pc: i32): void {
  const wRow = <usize>kdim << 2;
  const yRow = <usize>ldy << 2;
  for (let j = 0; j < pc; j += F32_PANEL_COLS) {
    const panel = src + <usize>(j >> 3) * panelStride;
    const pbEnd = panel + <usize>kdim * kStride;
    const nc = min(F32_PANEL_COLS, pc - j);
    let mi = 0;
    for (; mi + 4 <= mg; mi += 4) {
      let acc0l = biasSplat(b, mi), acc1l = biasSplat(b, mi + 1);
      let acc2l = biasSplat(b, mi + 2), acc3l = biasSplat(b, mi + 3);
      let acc0h = acc0l, acc1h = acc1l, acc2h = acc2l, acc3h = acc3l;
      let pa0 = w + <usize>mi * wRow;
      let pa1 = pa0 + wRow;
      let pa2 = pa1 + wRow;
      let pa3 = pa2 + wRow;
      let pb = panel;
      while (pb < pbEnd) {
        const bl = v128.load(pb);
        const bh = v128.load(pb, 16);
        const a0 = v128.load32_splat(pa0);
        const a1 = v128.load32_splat(pa1);
        const a2 = v128.load32_splat(pa2);
        const a3 = v128.load32_splat(pa3);
        acc0l = f32x4.add(acc0l, f32x4.mul(a0, bl));
        acc0h = f32x4.add(acc0h, f32x4.mul(a0, bh));
        acc1l = f32x4.add(acc1l, f32x4.mul(a1, bl));
        acc1h = f32x4.add(acc1h, f32x4.mul(a1, bh));
        acc2l = f32x4.add(acc2l, f32x4.mul(a2, bl));
        acc2h = f32x4.add(acc2h, f32x4.mul(a2, bh));
        acc3l = f32x4.add(acc3l, f32x4.mul(a3, bl));
        acc3h = f32x4.add(acc3h, f32x4.mul(a3, bh));
        pa0 += 4;
        pa1 += 4;
        pa2 += 4;
        pa3 += 4;
        pb += kStride;
      }
      const row = y + <usize>mi * yRow + (<usize>j << 2);
      storeRow(row, acc0l, acc0h, nc);
      storeRow(row + yRow, acc1l, acc1h, nc);
      storeRow(row + 2 * yRow, acc2l, acc2h, nc);
      storeRow(row + 3 * yRow, acc3l, acc3h, nc);
    }
    for (; mi < mg; mi++) {
      let accl = biasSplat(b, mi);
      let acch = accl;
      let pa = w + <usize>mi * wRow;
      let pb = panel;
      while (pb < pbEnd) {
        const a = v128.load32_splat(pa);
        accl = f32x4.add(accl, f32x4.mul(a, v128.load(pb)));
        acch = f32x4.add(acch, f32x4.mul(a, v128.load(pb, 16)));
        pa += 4;
        pb += kStride;
      }
      storeRow(y + <usize>mi * yRow + (<usize>j << 2), accl, acch, nc);
    }
  }
}
