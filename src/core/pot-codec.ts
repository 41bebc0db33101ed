// The power-of-two (PoT) weight codec: the one place that knows how a PoT weight is coded.
//
// A PoT weight is 0 or +-2^e. Its code is `bits` wide (4 or 5): the top bit is the sign, the
// rest the magnitude field m, with m = 0 for the weight 0 and m = e + 1 otherwise:
//   5-bit codes: bit 4 sign, bits 0-3 magnitude, exponents 0..7 (weights up to +-128)
//   4-bit codes: bit 3 sign, bits 0-2 magnitude, exponents 0..6 (weights up to +-64)
// "-0" (the sign bit with magnitude 0) is NOT a code: every weight has exactly one code, so a
// .dq file's bytes follow from its weights, and a reader or packer that meets it rejects it.
//
// The rounding rules map an int8 weight q (|q| <= 127) to a PoT weight; q = 0 stays 0:
//   log     e = round(log2 |q|): thresholds at 2^(k+1/2), i.e. |q|^2 >= 2^(2k+1) rounds up
//           (3 -> 4, 23 -> 32, 91 -> 128); no ties are possible. 5-bit codes.
//   linear  nearest power of two in the linear domain: thresholds at 1.5 * 2^k; a tie
//           (|q| = 3, 6, 12, 24, 48, 96) goes to the larger power. 5-bit codes.
//   floor   e = floor(log2 |q|), the leading one: exponents 0..6, 4-bit codes.

export type PotRounding = 'log' | 'linear' | 'floor';
export type PotBits = 4 | 5;

export const POT_ROUNDINGS: readonly PotRounding[] = ['log', 'linear', 'floor'];
/** The rule used when none is asked for (CLI, quantizeModel, library API). */
export const DEFAULT_POT_ROUNDING: PotRounding = 'log';

export function isPotRounding(v: unknown): v is PotRounding {
  return (POT_ROUNDINGS as readonly unknown[]).includes(v);
}

/** Code width of a rule: 4 bits for floor (exponents 0..6), 5 for log and linear (0..7). */
export function codeBits(rule: PotRounding): PotBits {
  return rule === 'floor' ? 4 : 5;
}

/** Largest exponent a `bits`-wide code holds: 7 (5 bits) or 6 (4 bits). */
export function maxPotExponent(bits: PotBits): number {
  return bits === 5 ? 7 : 6;
}

/** Exponent of |q| in 1..127 under a rule. */
export function potExponent(mag: number, rule: PotRounding): number {
  const f = 31 - Math.clz32(mag); // floor(log2 mag)
  if (rule === 'floor') return f;
  if (rule === 'log') return mag * mag >= 2 ** (2 * f + 1) ? f + 1 : f;
  return 2 * mag >= 3 * 2 ** f ? f + 1 : f; // linear: mag >= 1.5 * 2^f, ties up
}

/** The PoT weight of an int8 weight q under a rule: 0 or sign(q) * 2^potExponent(|q|). */
export function potValue(q: number, rule: PotRounding): number {
  if (q === 0) return 0;
  const v = 2 ** potExponent(Math.abs(q), rule);
  return q < 0 ? -v : v;
}

/** The code of a PoT weight, or -1 when `v` is not 0 or +-2^e with e in 0..maxPotExponent(bits). */
export function potCode(v: number, bits: PotBits): number {
  if (v === 0) return 0;
  const mag = Math.abs(v);
  if (!Number.isInteger(mag) || mag > 2 ** maxPotExponent(bits) || (mag & (mag - 1)) !== 0) return -1;
  return (v < 0 ? 1 << (bits - 1) : 0) | (32 - Math.clz32(mag)); // 31 - clz32 = e, field = e + 1
}

/** The code of an int8 weight q under a rule (potCode of potValue). */
export function encodePot(q: number, rule: PotRounding): number {
  return potCode(potValue(q, rule), codeBits(rule));
}

/** True for exactly the codes decodePot accepts: `bits` wide, magnitude field <= e_max + 1, no "-0". */
export function isPotCode(code: number, bits: PotBits): boolean {
  const signBit = 1 << (bits - 1);
  if (!Number.isInteger(code) || code < 0 || code >= 2 * signBit) return false;
  const mag = code & (signBit - 1);
  return mag === 0 ? code === 0 : mag <= maxPotExponent(bits) + 1;
}

/** The weight of a code; throws a RangeError for anything isPotCode rejects (callers check first to name the place). */
export function decodePot(code: number, bits: PotBits): number {
  if (!isPotCode(code, bits)) throw new RangeError(`${code} is not a valid ${bits}-bit power-of-two code`);
  const signBit = 1 << (bits - 1);
  const mag = code & (signBit - 1);
  if (mag === 0) return 0;
  const v = 2 ** (mag - 1);
  return code & signBit ? -v : v;
}

/**
 * Exponent (-1 for a zero weight) and sign of every weight of a PoT layer, for the shift-add
 * packers; returns the index of the first weight that is not a `bits`-bit PoT weight instead.
 */
export function potExponents(weights: ArrayLike<number>, bits: PotBits): { exp: Int8Array; neg: Uint8Array } | { bad: number } {
  const exp = new Int8Array(weights.length), neg = new Uint8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const code = potCode(weights[i]!, bits);
    if (code < 0) return { bad: i };
    exp[i] = (code & ((1 << (bits - 1)) - 1)) - 1;
    neg[i] = code >> (bits - 1);
  }
  return { exp, neg };
}
