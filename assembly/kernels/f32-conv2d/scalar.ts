import { F32Conv2dParams, F32_PANEL_COLS } from "../../abi";
import { f32_im2col__scalar } from "../f32-im2col/scalar";

// ONNX Conv, float32, NCHW: im2col into 8-wide panels, then y[m][p] = b[m] + sum_k W[m][k] * col[k][p]
// (a 1x1 stride-1 unpadded conv reads whole panels from x itself: the same numbers in the same order).
// Every output is summed as ((b + t0) + t1) + ... in ascending k, exactly as f32_conv2d__wasmsimd does,
// so the two builds produce identical bytes.
export function f32_conv2d__scalar(p: F32Conv2dParams): void {
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
        f32_im2col__scalar(p, x, t0, tc, p.scratch);
        gemmTile(wg, bg, mg, kdim, p.scratch, <usize>kdim * F32_PANEL_COLS * 4, F32_PANEL_COLS * 4, y + (<usize>t0 << 2), pixels, tc);
      }
    }
  }
}

// y[mi][j] for mi < mg, j < pc (row stride `ldy` floats) from ceil(pc / 8) panels: panel j >> 3
// starts at src + (j >> 3) * panelStride, its row k (8 pixels) at + k * kStride (packed, or x itself).
// Register block: 2 output channels x 4 columns (half a panel), one accumulator per output.
function gemmTile(w: usize, b: usize, mg: i32, kdim: i32, src: usize, panelStride: usize, kStride: usize, y: usize, ldy: i32, pc: i32): void {
  const wRow = <usize>kdim << 2;
  const yRow = <usize>ldy << 2;
  for (let j = 0; j < pc; j += 4) {
    const nc = min(4, pc - j);
    const pb0 = src + <usize>(j >> 3) * panelStride + (<usize>(j & 4) << 2);
    const pbEnd = pb0 + <usize>kdim * kStride;
    let mi = 0;
    for (; mi + 2 <= mg; mi += 2) {
      const b0: f32 = b != 0 ? load<f32>(b + (<usize>mi << 2)) : 0;
      const b1: f32 = b != 0 ? load<f32>(b + (<usize>mi << 2), 4) : 0;
      let y00 = b0, y01 = b0, y02 = b0, y03 = b0;
      let y10 = b1, y11 = b1, y12 = b1, y13 = b1;
      let pa = w + <usize>mi * wRow;
      let pb = pb0;
      while (pb < pbEnd) {
        const a0 = load<f32>(pa);
        const a1 = load<f32>(pa + wRow);
        const x0 = load<f32>(pb, 0);
        const x1 = load<f32>(pb, 4);
        const x2 = load<f32>(pb, 8);
        const x3 = load<f32>(pb, 12);
        y00 += a0 * x0;
        y01 += a0 * x1;
        y02 += a0 * x2;
        y03 += a0 * x3;
        y10 += a1 * x0;
        y11 += a1 * x1;
        y12 += a1 * x2;
        y13 += a1 * x3;
        pa += 4;
        pb += kStride;
      }
      const row = y + <usize>mi * yRow + (<usize>j << 2);
      storeRow(row, y00, y01, y02, y03, nc);
      storeRow(row + yRow, y10, y11, y12, y13, nc);
    }
    if (mi < mg) {
      const b0: f32 = b != 0 ? load<f32>(b + (<usize>mi << 2)) : 0;
      let y0 = b0, y1 = b0, y2 = b0, y3 = b0;
      let pa = w + <usize>mi * wRow;
      let pb = pb0;
      while (pb < pbEnd) {
        const a = load<f32>(pa);
        y0 += a * load<f32>(pb, 0);
        y1 += a * load<f32>(pb, 4);
        y2 += a * load<f32>(pb, 8);
        y3 += a * load<f32>(pb, 12);
        pa += 4;
        pb += kStride;
      }
      storeRow(y + <usize>mi * yRow + (<usize>j << 2), y0, y1, y2, y3, nc);
    }
  }
}

// Stores the first nc (1..4) of y0..y3 to row.
// @ts-ignore: decorator
@inline
function storeRow(row: usize, y0: f32, y1: f32, y2: f32, y3: f32, nc: i32): void {
  store<f32>(row, y0);
  if (nc > 1) store<f32>(row, y1, 4);
  if (nc > 2) store<f32>(row, y2, 8);
  if (nc > 3) store<f32>(row, y3, 12);
}
