import { F32Conv2dParams, F32_PANEL_COLS } from "../../abi";

// Packs output pixels p0 .. p0+pc-1 of one image and one group into NR = 8 wide panels
// (layout: see F32Conv2dParams in assembly/abi.ts). `x` points at the group's first input
// channel; `dst` receives ceil(pc / 8) panels of K x 8 floats, zero padding included.
// Panels are filled one after the other; a panel whose 8 pixels lie in one output row
// skips the per-pixel row bookkeeping.
export function f32_im2col__scalar(p: F32Conv2dParams, x: usize, p0: i32, pc: i32, dst: usize): void {
  const ow = p.ow;
  const kdim = (p.c / p.group) * p.kh * p.kw;
  const panelBytes = <usize>kdim * F32_PANEL_COLS * 4;
  let oy = p0 / ow;
  let ox = p0 - oy * ow;
  for (let i0 = 0; i0 < pc; i0 += F32_PANEL_COLS) {
    const d = dst + <usize>(i0 >> 3) * panelBytes;
    if (i0 + F32_PANEL_COLS <= pc && ox + F32_PANEL_COLS <= ow) {
      packRowPanel(p, x, oy, ox, d);
    } else {
      packPanel(p, x, oy, ox, min(F32_PANEL_COLS, pc - i0), d);
    }
    ox += F32_PANEL_COLS;
    while (ox >= ow) {
      ox -= ow;
      oy++;
    }
  }
}

// 8 pixels (oy, ox .. ox+7) of one output row.
// @ts-ignore: decorator
@inline
function packRowPanel(p: F32Conv2dParams, x: usize, oy: i32, ox: i32, d: usize): void {
  const h = p.h, w = p.w, kh = p.kh, kw = p.kw, sw = p.strideW, dh = p.dilationH, dw = p.dilationW;
  const cg = p.c / p.group;
  const iy0 = oy * p.strideH - p.padTop;
  const ix0 = ox * sw - p.padLeft;
  const lastOff = 7 * sw;
  for (let ci = 0; ci < cg; ci++) {
    const xc = x + (<usize>(ci * h * w) << 2);
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky * dh;
      const rowInBounds = <u32>iy < <u32>h;
      const row = xc + (<usize>(iy * w) << 2);
      for (let kx = 0; kx < kw; kx++, d += 32) {
        const ix = ix0 + kx * dw;
        if (rowInBounds && ix >= 0 && ix + lastOff < w) {
          const s = row + (<usize>ix << 2);
          const step = <usize>sw << 2;
          store<f32>(d, load<f32>(s), 0);
          store<f32>(d, load<f32>(s + step), 4);
          store<f32>(d, load<f32>(s + 2 * step), 8);
          store<f32>(d, load<f32>(s + 3 * step), 12);
          store<f32>(d, load<f32>(s + 4 * step), 16);
          store<f32>(d, load<f32>(s + 5 * step), 20);
          store<f32>(d, load<f32>(s + 6 * step), 24);
          store<f32>(d, load<f32>(s + 7 * step), 28);
        } else {
          for (let l = 0, ixl = ix; l < F32_PANEL_COLS; l++, ixl += sw) {
            let v: f32 = 0;
            if (rowInBounds && <u32>ixl < <u32>w) v = load<f32>(row + (<usize>ixl << 2));
            store<f32>(d + (<usize>l << 2), v);
          }
        }
      }
    }
  }
}

// Any `count` (1..8) consecutive pixels starting at (oy, ox), wrapping rows; lanes >= count are 0.
function packPanel(p: F32Conv2dParams, x: usize, oy: i32, ox: i32, count: i32, d: usize): void {
  const h = p.h, w = p.w, kh = p.kh, kw = p.kw, dh = p.dilationH, dw = p.dilationW;
  const cg = p.c / p.group;
  for (let l = 0; l < F32_PANEL_COLS; l++) {
    const iy0 = oy * p.strideH - p.padTop;
    const ix0 = ox * p.strideW - p.padLeft;
    let dl = d + (<usize>l << 2);
    for (let ci = 0; ci < cg; ci++) {
      const xc = x + (<usize>(ci * h * w) << 2);
      for (let ky = 0; ky < kh; ky++) {
        const iy = iy0 + ky * dh;
        const inRow = l < count && <u32>iy < <u32>h;
        const row = xc + (<usize>(iy * w) << 2);
        for (let kx = 0; kx < kw; kx++, dl += 32) {
          const ix = ix0 + kx * dw;
          let v: f32 = 0;
          if (inRow && <u32>ix < <u32>w) v = load<f32>(row + (<usize>ix << 2));
          store<f32>(dl, v);
        }
      }
    }
    if (++ox == p.ow) {
      ox = 0;
      oy++;
    }
  }
}
