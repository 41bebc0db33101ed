import { F32Conv2dParams, F32_PANEL_COLS } from "../../abi";

// Same contract and output bytes as f32_im2col__scalar, filled panel by panel so that stores
// are sequential. A panel whose 8 pixels lie in one output row (stride 1 or 2) is copied with
// f32x4 loads, per half panel of 4 pixels whose input columns are in bounds; half panels that
// touch the left/right padding, and panels that wrap rows or end the tile, go pixel by pixel.
// Stride 2 reads one float past the last input column it uses (allowed: EXTRA_BYTES, abi.ts).
export function f32_im2col__wasmsimd(p: F32Conv2dParams, x: usize, p0: i32, pc: i32, dst: usize): void {
  const ow = p.ow;
  const sw = p.strideW;
  const kdim = (p.c / p.group) * p.kh * p.kw;
  const panelBytes = <usize>kdim * F32_PANEL_COLS * 4;
  const vectorStride = sw == 1 || sw == 2;
  let oy = p0 / ow;
  let ox = p0 - oy * ow;
  for (let i0 = 0; i0 < pc; i0 += F32_PANEL_COLS) {
    const d = dst + <usize>(i0 >> 3) * panelBytes;
    if (vectorStride && i0 + F32_PANEL_COLS <= pc && ox + F32_PANEL_COLS <= ow) {
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

// 8 pixels (oy, ox .. ox+7) of one output row, strideW 1 or 2.
// @ts-ignore: decorator
@inline
function packRowPanel(p: F32Conv2dParams, x: usize, oy: i32, ox: i32, d: usize): void {
  const h = p.h, w = p.w, kh = p.kh, kw = p.kw, sw = p.strideW, dh = p.dilationH, dw = p.dilationW;
  const cg = p.c / p.group;
  const iy0 = oy * p.strideH - p.padTop;
  const ix0 = ox * sw - p.padLeft;
  const lastOff = 7 * sw;
  const zero = f32x4.splat(0);
  for (let ci = 0; ci < cg; ci++) {
    const xc = x + (<usize>(ci * h * w) << 2);
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky * dh;
      if (<u32>iy >= <u32>h) {
        for (let kx = 0; kx < kw; kx++, d += 32) {
          v128.store(d, zero);
          v128.store(d, zero, 16);
        }
        continue;
      }
      const row = xc + (<usize>(iy * w) << 2);
      for (let kx = 0; kx < kw; kx++, d += 32) {
        const ix = ix0 + kx * dw;
        if (ix >= 0 && ix + lastOff < w) {
          const s = row + (<usize>ix << 2);
          if (sw == 1) {
            v128.store(d, v128.load(s));
            v128.store(d, v128.load(s, 16), 16);
          } else {
            v128.store(d, f32x4.shuffle(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
            v128.store(d, f32x4.shuffle(v128.load(s, 32), v128.load(s, 48), 0, 2, 4, 6), 16);
          }
        } else {
          packHalf(row, ix, sw, w, d);
          packHalf(row, ix + (sw << 2), sw, w, d + 16);
        }
      }
    }
  }
}

// 4 pixels of one input row starting at column ix (stride sw = 1 or 2); out-of-row columns give 0.
// @ts-ignore: decorator
@inline
function packHalf(row: usize, ix: i32, sw: i32, w: i32, d: usize): void {
  if (ix >= 0 && ix + 3 * sw < w) {
    const s = row + (<usize>ix << 2);
    if (sw == 1) {
      v128.store(d, v128.load(s));
    } else {
      v128.store(d, f32x4.shuffle(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
    }
    return;
  }
  for (let l = 0; l < 4; l++, ix += sw) {
    let v: f32 = 0;
    if (<u32>ix < <u32>w) v = load<f32>(row + (<usize>ix << 2));
    store<f32>(d + (<usize>l << 2), v);
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
