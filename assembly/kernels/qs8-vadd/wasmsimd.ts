import { Qs8VaddParams } from "../../abi";
import { clamp, roundingShift } from "../../requant";

// qs8_vadd_minmax__scalar, 16 elements per step: i8 -> i16 (minus the zero point, exact in
// i16) -> i32, two i32x4.mul, the rounding shift as (v >> s) + ((v >> (s-1)) & 1), then
// saturating narrows (the same as clamping to [-128, 127]) and the [qmin, qmax] clamp.
// Each step loads before it stores, so a == output or b == output (in place) is safe.
// see: XNNPACK src/qs8-vadd/gen/qs8-vadd-minmax-wasmsimd-u16.c
export function qs8_vadd_minmax__wasmsimd(p: Qs8VaddParams): void {
  const count = p.count;
  const shift = p.shift;
  const za = i16x8.splat(<i16>p.za), zb = i16x8.splat(<i16>p.zb);
  const am = i32x4.splat(p.aMult), bm = i32x4.splat(p.bMult);
  const zy = i32x4.splat(p.zy);
  const one = i32x4.splat(1);
  const lo = i8x16.splat(<i8>p.qmin), hi = i8x16.splat(<i8>p.qmax);
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const va = v128.load(p.a + <usize>i);
    const vb = v128.load(p.b + <usize>i);
    const a0 = i16x8.sub(i16x8.extend_low_i8x16_s(va), za);
    const a1 = i16x8.sub(i16x8.extend_high_i8x16_s(va), za);
    const b0 = i16x8.sub(i16x8.extend_low_i8x16_s(vb), zb);
    const b1 = i16x8.sub(i16x8.extend_high_i8x16_s(vb), zb);
    const s0 = i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_s(a0), am), i32x4.mul(i32x4.extend_low_i16x8_s(b0), bm));
    const s1 = i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_s(a0), am), i32x4.mul(i32x4.extend_high_i16x8_s(b0), bm));
    const s2 = i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_s(a1), am), i32x4.mul(i32x4.extend_low_i16x8_s(b1), bm));
    const s3 = i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_s(a1), am), i32x4.mul(i32x4.extend_high_i16x8_s(b1), bm));
    const r0 = i32x4.add(i32x4.add(i32x4.shr_s(s0, shift), v128.and(i32x4.shr_s(s0, shift - 1), one)), zy);
    const r1 = i32x4.add(i32x4.add(i32x4.shr_s(s1, shift), v128.and(i32x4.shr_s(s1, shift - 1), one)), zy);
    const r2 = i32x4.add(i32x4.add(i32x4.shr_s(s2, shift), v128.and(i32x4.shr_s(s2, shift - 1), one)), zy);
    const r3 = i32x4.add(i32x4.add(i32x4.shr_s(s3, shift), v128.and(i32x4.shr_s(s3, shift - 1), one)), zy);
    const out = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3));
    v128.store(p.output + <usize>i, i8x16.min_s(i8x16.max_s(out, lo), hi));
  }
  for (; i < count; i++) {
    const acc = (<i32>load<i8>(p.a + <usize>i) - p.za) * p.aMult + (<i32>load<i8>(p.b + <usize>i) - p.zb) * p.bMult;
    store<i8>(p.output + <usize>i, <i8>clamp(p.zy + roundingShift(acc, shift), p.qmin, p.qmax));
  }
}
