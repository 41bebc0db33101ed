// Integer requantization, the one rounding rule of doubleq's integer path.
//
// With (mult, shift) a fixed-point multiplier (src/core/fixed-point.ts), an int32 accumulator
// is requantized as
//
//   requant(acc) = floor((acc * mult + 2^(shift-1)) / 2^shift)      (exact, 64-bit product)
//
// i.e. round half toward +infinity ("add half, arithmetic shift right"), the same in the TS
// reference, the scalar wasm and the SIMD wasm.

/** floor((acc * mult + 2^(shift-1)) / 2^shift), exactly, for |acc| < 2^31. */
export function requantize(acc: number, mult: number, shift: number): number {
  if (shift >= 16) {
    // acc * mult = P * 2^16 + Q with P = acc * (mult >> 16), Q = acc * (mult & 0xffff), both exact
    // doubles; the half 2^(shift-1) is a multiple of 2^16 (or 2^15 when shift = 16), and
    // floor(floor(x / a) / b) = floor(x / ab) keeps every step exact.
    const p = acc * Math.floor(mult / 65536);
    const q = acc * (mult % 65536);
    if (shift === 16) return p + Math.floor((q + 32768) / 65536);
    return Math.floor((p + 2 ** (shift - 17) + Math.floor(q / 65536)) / 2 ** (shift - 16));
  }
  return Number((BigInt(acc) * BigInt(mult) + (1n << BigInt(shift - 1))) >> BigInt(shift));
}

/** Rounding right shift of an int32-range value: floor((v + 2^(shift-1)) / 2^shift), shift >= 1. */
export function roundingShift(v: number, shift: number): number {
  return Math.floor((v + 2 ** (shift - 1)) / 2 ** shift);
}
