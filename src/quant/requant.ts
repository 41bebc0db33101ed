// Integer requantization, the one rounding rule of doubleq's integer path.
//
// A real multiplier M > 0 is stored as (mult, shift) with M ~= mult * 2^-shift,
// mult in [2^30, 2^31), shift in [1, 62]. Requantizing an int32 accumulator:
//
//   requant(acc) = floor((acc * mult + 2^(shift-1)) / 2^shift)      (exact, 64-bit product)
//
// i.e. round half toward +infinity ("add half, arithmetic shift right"), the same in the TS
// reference, the scalar wasm and the SIMD wasm. Weights and activations are quantized from
// floats with round half to even (never Math.round, which rounds halves toward +infinity for
// negative numbers differently from positive ones and is easy to misuse).

export interface FixedPointMultiplier {
  mult: number;
  shift: number;
}

export class QuantizationError extends Error {
  override readonly name = 'QuantizationError';
}

/** Rounds to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

export function quantizeMultiplier(real: number, what = 'requantization scale'): FixedPointMultiplier {
  if (!(real > 0) || !Number.isFinite(real)) throw new QuantizationError(`${what} must be a positive finite number, got ${real}`);
  let e = Math.floor(Math.log2(real));
  let mult = roundHalfEven((real / 2 ** e) * 2 ** 30);
  if (mult < 2 ** 30) { e--; mult = roundHalfEven((real / 2 ** e) * 2 ** 30); }
  if (mult >= 2 ** 31) { e++; mult = roundHalfEven((real / 2 ** e) * 2 ** 30); }
  const shift = 30 - e;
  if (shift < 1 || shift > 62) throw new QuantizationError(`${what} ${real} is outside the supported range 2^-32 .. 2^29`);
  return { mult, shift };
}

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

export function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
