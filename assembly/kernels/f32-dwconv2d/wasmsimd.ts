import { F32Dwconv2dParams } from "../../abi";
import { dwPlaneCols, dwPlaneRows } from "./scalar";

// Depthwise ONNX Conv (group == c == m), float32 NCHW: 4 neighbouring outputs of one row per
// f32x4, on the zero-padded plane of f32_dwconv2d__scalar (so every tap is a plain load).
// Same summation order per output (b or +0, then + w * x in ascending ky, kx; mul then add, no
// FMA), hence the same bytes as f32_dwconv2d__scalar and f32_conv2d. 3x3 kernels with strideW
// 1 or 2 (MobileNet's) keep the nine weights in registers; other shapes loop over the taps.
export function f32_dwconv2d__wasmsimd(p: F32Dwconv2dParams): void {
  const hp = dwPlaneRows(p), wp = dwPlaneCols(p);
  const plane = p.scratch;
  memory.fill(plane, 0, <usize>(hp * wp) << 2);
  const taps = p.kh * p.kw;
  const xPlane = <usize>(p.h * p.w) << 2, yPlane = <usize>(p.oh * p.ow) << 2;
  const k3 = p.kh == 3 && p.kw == 3;
  let x = p.input, y = p.output;
  for (let n = 0; n < p.n; n++) {
    for (let ch = 0; ch < p.c; ch++, x += xPlane, y += yPlane) {
      fillPlane(p, x, plane, hp, wp);
      const w = p.weight + (<usize>(ch * taps) << 2);
      const b = p.bias != 0 ? v128.load32_splat(p.bias + (<usize>ch << 2)) : f32x4.splat(0);
      if (k3 && p.strideW == 1) plane3x3(p, plane, wp, w, b, y, 1);
      else if (k3 && p.strideW == 2) plane3x3(p, plane, wp, w, b, y, 2);
      else planeAny(p, plane, wp, w, b, y);
    }
  }
}

// dwFillPlane of the scalar twin (same plane bytes), 4 floats per load / store; the row tail
// goes float by float so that the padding columns after it stay 0.
function fillPlane(p: F32Dwconv2dParams, x: usize, plane: usize, hp: i32, wp: i32): void {
  const cols = min(p.w, wp - p.padLeft);
  if (cols <= 0) return;
  const iy1 = min(p.h, hp - p.padTop);
  const bytes = <usize>cols << 2, vBytes = <usize>(cols & ~3) << 2;
  for (let iy = 0; iy < iy1; iy++) {
    const d = plane + (<usize>((iy + p.padTop) * wp + p.padLeft) << 2), s = x + (<usize>(iy * p.w) << 2);
    let o: usize = 0;
    for (; o < vBytes; o += 16) v128.store(d + o, v128.load(s + o));
    for (; o < bytes; o += 4) store<f32>(d + o, load<f32>(s + o));
  }
}

// Input columns c, c + sw, c + 2sw, c + 3sw of a plane row (sw == 2 reads one float past the last).
// @ts-ignore: decorator
@inline
function loadCols(s: usize, sw: i32): v128 {
  if (sw == 1) return v128.load(s);
  if (sw == 2) return f32x4.shuffle(v128.load(s), v128.load(s, 16), 0, 2, 4, 6);
  const step = <usize>sw << 2;
  let v = f32x4.splat(load<f32>(s));
  v = f32x4.replace_lane(v, 1, load<f32>(s + step));
  v = f32x4.replace_lane(v, 2, load<f32>(s + 2 * step));
  return f32x4.replace_lane(v, 3, load<f32>(s + 3 * step));
}

// Stores the first r (1..4) lanes of v; never writes past the r-th float.
// @ts-ignore: decorator
@inline
function storeLanes(out: usize, v: v128, r: i32): void {
  if (r >= 4) {
    v128.store(out, v);
    return;
  }
  store<f32>(out, f32x4.extract_lane(v, 0));
  if (r > 1) store<f32>(out, f32x4.extract_lane(v, 1), 4);
  if (r > 2) store<f32>(out, f32x4.extract_lane(v, 2), 8);
}

// 3x3 taps, strideW sw (a constant at each call site, so the column loads specialise).
// @ts-ignore: decorator
@inline
function plane3x3(p: F32Dwconv2dParams, plane: usize, wp: i32, w: usize, b: v128, y: usize, sw: i32): void {
  const w0 = v128.load32_splat(w), w1 = v128.load32_splat(w + 4), w2 = v128.load32_splat(w + 8);
  const w3 = v128.load32_splat(w + 12), w4 = v128.load32_splat(w + 16), w5 = v128.load32_splat(w + 20);
  const w6 = v128.load32_splat(w + 24), w7 = v128.load32_splat(w + 28), w8 = v128.load32_splat(w + 32);
  const ow = p.ow;
  const kx1 = <usize>p.dilationW << 2, kx2 = kx1 << 1;
  const ky = <usize>(p.dilationH * wp) << 2;
  const rowStep = <usize>(p.strideH * wp) << 2, colStep = <usize>(4 * sw) << 2;
  let r0 = plane, out = y;
  for (let oy = 0; oy < p.oh; oy++, r0 += rowStep) {
    let s = r0;
    for (let ox = 0; ox < ow; ox += 4, s += colStep, out += 16) {
      const s1 = s + ky, s2 = s1 + ky;
      let acc = f32x4.add(b, f32x4.mul(w0, loadCols(s, sw)));
      acc = f32x4.add(acc, f32x4.mul(w1, loadCols(s + kx1, sw)));
      acc = f32x4.add(acc, f32x4.mul(w2, loadCols(s + kx2, sw)));
      acc = f32x4.add(acc, f32x4.mul(w3, loadCols(s1, sw)));
      acc = f32x4.add(acc, f32x4.mul(w4, loadCols(s1 + kx1, sw)));
      acc = f32x4.add(acc, f32x4.mul(w5, loadCols(s1 + kx2, sw)));
      acc = f32x4.add(acc, f32x4.mul(w6, loadCols(s2, sw)));
      acc = f32x4.add(acc, f32x4.mul(w7, loadCols(s2 + kx1, sw)));
      acc = f32x4.add(acc, f32x4.mul(w8, loadCols(s2 + kx2, sw)));
      storeLanes(out, acc, ow - ox);
    }
    out -= <usize>(((ow + 3) & ~3) - ow) << 2; // back to the next row's start
  }
}

// Any kernel size and stride: the taps in a loop.
function planeAny(p: F32Dwconv2dParams, plane: usize, wp: i32, w: usize, b: v128, y: usize): void {
  const ow = p.ow, sw = p.strideW, kh = p.kh, kw = p.kw;
  const kxStep = <usize>p.dilationW << 2, kyStep = <usize>(p.dilationH * wp) << 2;
  const rowStep = <usize>(p.strideH * wp) << 2, colStep = <usize>(4 * sw) << 2;
  let r0 = plane, out = y;
  for (let oy = 0; oy < p.oh; oy++, r0 += rowStep) {
    let s = r0;
    for (let ox = 0; ox < ow; ox += 4, s += colStep) {
      let acc = b;
      let wk = w, r = s;
      for (let i = 0; i < kh; i++, r += kyStep) {
        let t = r;
        for (let j = 0; j < kw; j++, t += kxStep, wk += 4) acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(wk), loadCols(t, sw)));
      }
      const lanes = min(4, ow - ox);
      storeLanes(out, acc, lanes);
      out += <usize>lanes << 2;
    }
  }
}
