import { F32RminmaxParams } from "../../abi";

// f32_rminmax__scalar with 8 values per step in two f32x4 of extremes per side (pmin / pmax are
// exactly `v < lo ? v : lo` / `hi < v ? v : hi`, so NaN never wins), then the lanes and the tail.
export function f32_rminmax__wasmsimd(p: F32RminmaxParams): void {
  const zero = f32x4.splat(0);
  let lo0 = f32x4.splat(Infinity), lo1 = lo0;
  let hi0 = f32x4.splat(-Infinity), hi1 = hi0;
  let bad0 = zero, bad1 = zero;
  let s = p.input;
  const end = s + (<usize>p.count << 2);
  for (; s + 32 <= end; s += 32) {
    const a = v128.load(s), b = v128.load(s, 16);
    lo0 = f32x4.pmin(lo0, a);
    lo1 = f32x4.pmin(lo1, b);
    hi0 = f32x4.pmax(hi0, a);
    hi1 = f32x4.pmax(hi1, b);
    bad0 = f32x4.add(bad0, f32x4.mul(a, zero));
    bad1 = f32x4.add(bad1, f32x4.mul(b, zero));
  }
  const lo4 = f32x4.pmin(lo0, lo1), hi4 = f32x4.pmax(hi0, hi1), bad4 = f32x4.add(bad0, bad1);
  let lo = f32x4.extract_lane(lo4, 0), hi = f32x4.extract_lane(hi4, 0);
  let bad = f32x4.extract_lane(bad4, 0) + f32x4.extract_lane(bad4, 1) + f32x4.extract_lane(bad4, 2) + f32x4.extract_lane(bad4, 3);
  lo = min4(lo, f32x4.extract_lane(lo4, 1), f32x4.extract_lane(lo4, 2), f32x4.extract_lane(lo4, 3));
  hi = max4(hi, f32x4.extract_lane(hi4, 1), f32x4.extract_lane(hi4, 2), f32x4.extract_lane(hi4, 3));
  for (; s < end; s += 4) {
    const v = load<f32>(s);
    bad += v * 0;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  store<f32>(p.output, lo);
  store<f32>(p.output, hi, 4);
  store<f32>(p.output, bad, 8);
}

// @ts-ignore: decorator
@inline
function min4(a: f32, b: f32, c: f32, d: f32): f32 {
  if (b < a) a = b;
  if (c < a) a = c;
  if (d < a) a = d;
  return a;
}

// @ts-ignore: decorator
@inline
function max4(a: f32, b: f32, c: f32, d: f32): f32 {
  if (b > a) a = b;
  if (c > a) a = c;
  if (d > a) a = d;
  return a;
}
