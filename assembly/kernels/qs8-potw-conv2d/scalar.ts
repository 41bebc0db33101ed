import { Qs8PotwConv2dParams, POTW_PANEL_PIXELS, POTW_PANEL_ROW_BYTES } from "../../abi";
import { qs8_potw_panel__scalar } from "../qs8-potw-gemm/scalar";

// QConv with power-of-two weights, int8 NHWC, plain loops: per group and per panel of
// POTW_PANEL_PIXELS output pixels, gather each pixel's kh x kw x (c/group) patch into a panel
// column (zx where the window leaves the image), then reduce it with the shift-add records
// (qs8_potw_panel__scalar). The reference twin of qs8_potw_conv2d_minmax__wasmsimd: same
// packed layout and panel (assembly/abi.ts), same bytes out.
export function qs8_potw_conv2d_minmax__scalar(p: Qs8PotwConv2dParams): void {
  const cg = p.c / p.group;
  const mg = p.m / p.group;
  const pixels = p.oh * p.ow;
  const panel = p.scratch;
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * p.c);
    const y = p.output + <usize>b * <usize>(pixels * p.m);
    for (let g = 0; g < p.group; g++) {
      const xg = x + <usize>(g * cg);
      const rec = p.packed + <usize>load<i32>(p.packed + (<usize>g << 2));
      for (let p0 = 0; p0 < pixels; p0 += POTW_PANEL_PIXELS) {
        const cols = min(POTW_PANEL_PIXELS, pixels - p0);
        for (let i = 0; i < cols; i++) {
          const oy = (p0 + i) / p.ow;
          gatherColumn(p, xg, cg, oy, p0 + i - oy * p.ow, panel + <usize>i);
        }
        qs8_potw_panel__scalar(
          panel, cols, rec, mg,
          y + <usize>p0 * <usize>p.m + <usize>(g * mg), <usize>p.m, p.zy, p.qmin, p.qmax,
        );
      }
    }
  }
}

// panel[row(k)][i] = x[iy][ix][ci] for the tap k = (ky * kw + kx) * cg + ci (x: the group's
// first channel), or zx; row(k) as in assembly/abi.ts.
function gatherColumn(p: Qs8PotwConv2dParams, x: usize, cg: i32, oy: i32, ox: i32, col: usize): void {
  const iy0 = oy * p.strideH - p.padTop;
  const ix0 = ox * p.strideW - p.padLeft;
  const zx = <i8>p.zx;
  const contiguous = p.group == 1 && p.dilationW == 1;
  for (let ky = 0; ky < p.kh; ky++) {
    const iy = iy0 + ky * p.dilationH;
    for (let kx = 0; kx < p.kw; kx++) {
      const ix = ix0 + kx * p.dilationW;
      const row = contiguous ? ky * p.lPad + kx * p.c : (ky * p.kw + kx) * p.lPad;
      let d = col + <usize>row * POTW_PANEL_ROW_BYTES;
      if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w) {
        const src = x + <usize>((iy * p.w + ix) * p.c);
        for (let ci = 0; ci < cg; ci++, d += POTW_PANEL_ROW_BYTES) store<i8>(d, load<i8>(src + <usize>ci));
      } else {
        for (let ci = 0; ci < cg; ci++, d += POTW_PANEL_ROW_BYTES) store<i8>(d, zx);
      }
    }
  }
}
