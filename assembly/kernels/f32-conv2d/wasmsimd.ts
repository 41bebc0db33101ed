import { F32Conv2dParams, F32_PANEL_COLS } from "../../abi";
import { f32_im2col__wasmsimd } from "../f32-im2col/wasmsimd";

// ONNX Conv, float32, NCHW: im2col into 8-wide panels, then a 4x8 register-blocked GEMM
// (4 output channels x 2 f32x4, 8 accumulators). Baseline SIMD128 only (mul + add, no FMA),
// same summation order as f32_conv2d__scalar, hence bit-identical results.
// see: XNNPACK src/f32-gemm/gen/f32-gemm-4x8-minmax-wasmsimd-splat.c
export function f32_conv2d__wasmsimd(p: F32Conv2dParams): void {
  const cg = p.c / p.group;
  const mg = p.m / p.group;
  const kdim = cg * p.kh * p.kw;
  const pixels = p.oh * p.ow;
  const hw = p.h * p.w;
  for (let n = 0; n < p.n; n++) {
    for (let g = 0; g < p.group; g++) {
      const x = p.input + (<usize>((n * p.c + g * cg) * hw) << 2);
      const wg = p.weight + (<usize>(g * mg * kdim) << 2);
      const bg = p.bias != 0 ? p.bias + (<usize>(g * mg) << 2) : 0;
      const y = p.output + (<usize>((n * p.m + g * mg) * pixels) << 2);
      for (let p0 = 0; p0 < pixels; p0 += p.tileP) {
        const pc = min(p.tileP, pixels - p0);
        f32_im2col__wasmsimd(p, x, p0, pc, p.scratch);
        gemmTile(wg, bg, mg, kdim, p.scratch, y + (<usize>p0 << 2), pixels, pc);
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

function gemmTile(w: usize, b: usize, mg: i32, kdim: i32, packed: usize, y: usize, ldy: i32, pc: i32): void {
  const panelBytes = <usize>kdim * F32_PANEL_COLS * 4;
  const wRow = <usize>kdim << 2;
  const yRow = <usize>ldy << 2;
  for (let j = 0; j < pc; j += F32_PANEL_COLS) {
    const panel = packed + <usize>(j >> 3) * panelBytes;
    const pbEnd = panel + panelBytes;
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
        pb += 32;
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
        pb += 32;
      }
      storeRow(y + <usize>mi * yRow + (<usize>j << 2), accl, acch, nc);
    }
  }
}
