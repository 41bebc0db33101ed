import { F32Dwconv2dParams } from "../../abi";

// Depthwise ONNX Conv (group == c == m), float32 NCHW, plain loops. Each input plane is first
// copied into a zero-padded plane (layout: F32Dwconv2dParams in assembly/abi/f32.ts), so every
// tap is a plain load and a padded tap multiplies +0, exactly like the zeros f32_im2col packs.
// Per output: acc = b (or +0), then acc += w * x in ascending ky, kx: f32_conv2d's order, so
// this kernel, f32_dwconv2d__wasmsimd and f32_conv2d all give the same bytes.
export function f32_dwconv2d__scalar(p: F32Dwconv2dParams): void {
  const hp = dwPlaneRows(p), wp = dwPlaneCols(p);
  const plane = p.scratch;
  memory.fill(plane, 0, <usize>(hp * wp) << 2);
  const taps = p.kh * p.kw;
  const xPlane = <usize>(p.h * p.w) << 2, yPlane = <usize>(p.oh * p.ow) << 2;
  const rowStep = <usize>(p.strideH * wp) << 2, colStep = <usize>p.strideW << 2;
  const kyStep = <usize>(p.dilationH * wp) << 2, kxStep = <usize>p.dilationW << 2;
  let x = p.input, y = p.output;
  for (let n = 0; n < p.n; n++) {
    for (let ch = 0; ch < p.c; ch++, x += xPlane, y += yPlane) {
      dwFillPlane(p, x, plane, hp, wp);
      const w = p.weight + (<usize>(ch * taps) << 2);
      const b: f32 = p.bias != 0 ? load<f32>(p.bias + (<usize>ch << 2)) : 0;
      let out = y;
      let row = plane;
      for (let oy = 0; oy < p.oh; oy++, row += rowStep) {
        let col = row;
        for (let ox = 0; ox < p.ow; ox++, col += colStep, out += 4) {
          let acc = b;
          let wk = w;
          let r = col;
          for (let ky = 0; ky < p.kh; ky++, r += kyStep) {
            let s = r;
            for (let kx = 0; kx < p.kw; kx++, s += kxStep, wk += 4) acc += load<f32>(wk) * load<f32>(s);
          }
          store<f32>(out, acc);
        }
      }
    }
  }
}

/** Rows of the padded plane: every input row a tap of an output row reads. */
// @ts-ignore: decorator
@inline
export function dwPlaneRows(p: F32Dwconv2dParams): i32 {
  return (p.oh - 1) * p.strideH + (p.kh - 1) * p.dilationH + 1;
}

/** Columns of the padded plane: whole f32x4 groups of outputs, plus the float a stride-2 load pair reads past the last. */
// @ts-ignore: decorator
@inline
export function dwPlaneCols(p: F32Dwconv2dParams): i32 {
  return (((p.ow + 3) & ~3) - 1) * p.strideW + (p.kw - 1) * p.dilationW + 2;
}

/** Copies the part of input plane `x` the padded plane covers to (padTop, padLeft); the rest stays 0.
 *  Plain loops: rows are short (8-32 floats), where a memory.copy call costs more than the copy. */
export function dwFillPlane(p: F32Dwconv2dParams, x: usize, plane: usize, hp: i32, wp: i32): void {
  const cols = min(p.w, wp - p.padLeft);
  if (cols <= 0) return;
  const iy1 = min(p.h, hp - p.padTop);
  const bytes = <usize>cols << 2;
  for (let iy = 0; iy < iy1; iy++) {
    const d = plane + (<usize>((iy + p.padTop) * wp + p.padLeft) << 2), s = x + (<usize>(iy * p.w) << 2);
    for (let o: usize = 0; o < bytes; o += 4) store<f32>(d + o, load<f32>(s + o));
  }
}
