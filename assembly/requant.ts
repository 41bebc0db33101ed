// Scalar int32 -> int8 helpers shared by every int8 kernel (scalar and SIMD builds alike):
// the one rounding rule of src/quant/requant.ts, in wasm integer arithmetic.

/**
 * clamp(zy + floor((acc * mult + 2^(shift-1)) / 2^shift), qmin, qmax), with the exact 64-bit
 * product (mult < 2^31, shift in [1, 62]: |acc * mult + 2^(shift-1)| < 2^63, no overflow).
 */
// @ts-ignore: decorator
@inline
export function requantize(acc: i32, mult: i32, shift: i32, zy: i32, qmin: i32, qmax: i32): i32 {
  const r = ((<i64>acc * <i64>mult + (<i64>1 << <i64>(shift - 1))) >> <i64>shift) + <i64>zy;
  return r < <i64>qmin ? qmin : r > <i64>qmax ? qmax : <i32>r;
}

/**
 * floor((v + 2^(shift-1)) / 2^shift) for shift in [1, 31], without forming v + 2^(shift-1)
 * (which could overflow): v = q * 2^shift + r, and the rounding adds 1 exactly when bit
 * shift-1 of v (the top bit of r) is set.
 */
// @ts-ignore: decorator
@inline
export function roundingShift(v: i32, shift: i32): i32 {
  return (v >> shift) + ((v >> (shift - 1)) & 1);
}

// @ts-ignore: decorator
@inline
export function clamp(v: i32, lo: i32, hi: i32): i32 {
  return v < lo ? lo : v > hi ? hi : v;
}
