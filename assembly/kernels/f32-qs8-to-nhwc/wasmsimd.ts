import { F32Qs8ToNhwcParams } from "../../abi";
import { quantizeOne } from "./scalar";

// The input's quantize, 4 pixels of a channel per step: the division in float64 (two f64x2),
// demoted to float32 and rounded to nearest-even (f32x4.nearest), exactly the scalar twin's
// arithmetic; the int8 clamp is the saturating narrows. A block with a non-finite value (x - x
// is not 0) and the tail go through the scalar twin.
export function f32_qs8_to_nhwc__wasmsimd(p: F32Qs8ToNhwcParams): void {
  const scale = load<f64>(p.scale), c = p.c, hw = p.hw, zp = p.zp;
  const s2 = f64x2.splat(scale), lim = f32x4.splat(512), zp4 = i32x4.splat(zp), zero = f32x4.splat(0);
  for (let b = 0; b < p.n; b++)
    for (let ch = 0; ch < c; ch++) {
      const src = p.input + ((<usize>(b * c + ch) * hw) << 2);
      let o = p.output + <usize>(b * hw + p.p0) * c + ch;
      let px = p.p0;
      for (; px + 4 <= p.p1; px += 4, o += 4 * c) {
        const v = v128.load(src + (<usize>px << 2));
        if (v128.any_true(f32x4.ne(f32x4.sub(v, v), zero))) {
          for (let j = 0; j < 4; j++) store<i8>(o + j * c, quantizeOne(load<f32>(src + (<usize>(px + j) << 2)), scale, zp, p.status));
          continue;
        }
        const lo = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(v), s2));
        const hi = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), s2));
        const y = f32x4.nearest(i32x4.shuffle(lo, hi, 0, 1, 4, 5));
        const q = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.max(f32x4.neg(lim), f32x4.min(lim, y))), zp4);
        const w = i16x8.narrow_i32x4_s(q, q), bytes = i8x16.narrow_i16x8_s(w, w);
        store<i8>(o, i8x16.extract_lane_s(bytes, 0));
        store<i8>(o + c, i8x16.extract_lane_s(bytes, 1));
        store<i8>(o + 2 * c, i8x16.extract_lane_s(bytes, 2));
        store<i8>(o + 3 * c, i8x16.extract_lane_s(bytes, 3));
      }
      for (; px < p.p1; px++, o += c) store<i8>(o, quantizeOne(load<f32>(src + (<usize>px << 2)), scale, zp, p.status));
    }
}
