// Fixed-point multipliers: a real M > 0 stored as (mult, shift) with M ~= mult * 2^-shift.
//
// The range invariant, stated once here and checked by checkFixedPoint everywhere a pair
// enters (the quantizer that makes it, the .dq reader, the engine that hands it to wasm):
//   mult an integer in [2^30, 2^31)   (normalised: 31 significant bits, fits an int32)
//   shift an integer in [1, 62]       (so 2^(shift-1), the rounding half, exists and
//                                      acc * mult + half fits the kernels' 64-bit product)

import { QuantizationError } from './errors.js';
import { roundHalfEven } from './rounding.js';

export interface FixedPointMultiplier {
  mult: number;
  shift: number;
}

export const MULT_MIN = 2 ** 30;
export const MULT_MAX = 2 ** 31 - 1;
export const SHIFT_MIN = 1;
export const SHIFT_MAX = 62;

const quantizationFail = (msg: string): never => {
  throw new QuantizationError(msg);
};

/** Throws (through `fail`, by default a QuantizationError) unless (mult, shift) satisfies the range invariant. */
export function checkFixedPoint(mult: number, shift: number, what: string, fail: (msg: string) => never = quantizationFail): void {
  if (!Number.isInteger(mult) || mult < MULT_MIN || mult > MULT_MAX) fail(`${what}.mult must be an integer in [2^30, 2^31), got ${mult}`);
  if (!Number.isInteger(shift) || shift < SHIFT_MIN || shift > SHIFT_MAX) fail(`${what}.shift must be an integer in [${SHIFT_MIN}, ${SHIFT_MAX}], got ${shift}`);
}

/** The (mult, shift) nearest to `real` (mult rounded half to even); throws outside 2^-32 .. 2^29. */
export function quantizeMultiplier(real: number, what = 'requantization scale'): FixedPointMultiplier {
  if (!(real > 0) || !Number.isFinite(real)) throw new QuantizationError(`${what} must be a positive finite number, got ${real}`);
  let e = Math.floor(Math.log2(real));
  let mult = roundHalfEven((real / 2 ** e) * 2 ** 30);
  if (mult < MULT_MIN) { e--; mult = roundHalfEven((real / 2 ** e) * 2 ** 30); }
  if (mult > MULT_MAX) { e++; mult = roundHalfEven((real / 2 ** e) * 2 ** 30); }
  const shift = 30 - e;
  if (shift < SHIFT_MIN || shift > SHIFT_MAX) throw new QuantizationError(`${what} ${real} is outside the supported range 2^-32 .. 2^29`);
  checkFixedPoint(mult, shift, what);
  return { mult, shift };
}
