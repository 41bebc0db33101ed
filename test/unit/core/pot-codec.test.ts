// The one power-of-two codec (src/core/pot-codec.ts): rules, bits, every code, the "-0" rule.

import { describe, expect, it } from 'vitest';
import {
  codeBits, decodePot, DEFAULT_POT_ROUNDING, encodePot, isPotCode, isPotRounding, maxPotExponent, POT_ROUNDINGS,
  potCode, potExponent, potExponents, potValue, type PotBits, type PotRounding,
} from '../../../src/core/pot-codec.js';

const BITS: PotBits[] = [4, 5];

describe('power-of-two rounding rules', () => {
  const exps = (rule: PotRounding, qs: number[]) => qs.map((q) => potExponent(q, rule));

  it('log: thresholds at 2^(k+1/2), e.g. 3 -> 4, 23 -> 32, 91 -> 128', () => {
    expect(exps('log', [1, 2, 3, 5, 6, 11, 12, 22, 23, 45, 46, 90, 91, 127])).toEqual([0, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
  });

  it('linear: thresholds at 1.5 * 2^k, ties (3, 6, ..., 96) to the larger power', () => {
    expect(exps('linear', [1, 2, 3, 4, 5, 6, 11, 12, 47, 48, 95, 96, 127])).toEqual([0, 1, 2, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7]);
  });

  it('floor: the leading one, exponents 0..6', () => {
    expect(exps('floor', [1, 2, 3, 4, 7, 8, 64, 127])).toEqual([0, 1, 1, 2, 2, 3, 6, 6]);
  });

  it('the rule list, its default and its guard', () => {
    expect(POT_ROUNDINGS).toEqual(['log', 'linear', 'floor']);
    expect(POT_ROUNDINGS).toContain(DEFAULT_POT_ROUNDING);
    expect(POT_ROUNDINGS.every(isPotRounding)).toBe(true);
    for (const v of ['Log', 'round', '', 5, null, undefined]) expect(isPotRounding(v)).toBe(false);
  });
});

describe('code width', () => {
  it('5-bit codes for log and linear (exponents 0..7), 4-bit for floor (0..6)', () => {
    expect(POT_ROUNDINGS.map(codeBits)).toEqual([5, 5, 4]);
    expect([maxPotExponent(5), maxPotExponent(4)]).toEqual([7, 6]);
  });

  it('every rule maps every int8 weight into its code width', () => {
    for (const rule of POT_ROUNDINGS)
      for (let q = -127; q <= 127; q++) expect(isPotCode(encodePot(q, rule), codeBits(rule)), `${rule} ${q}`).toBe(true);
  });
});

describe('codes', () => {
  it('sign bit + (exponent + 1): known codes', () => {
    expect([encodePot(0, 'log'), encodePot(1, 'log'), encodePot(-1, 'log'), encodePot(-127, 'log'), encodePot(-127, 'floor')])
      .toEqual([0, 1, 0b10001, 0b11000, 0b1111]);
    expect([potCode(128, 5), potCode(-128, 5), potCode(64, 4), potCode(-64, 4), potCode(2, 4)]).toEqual([8, 0b11000, 7, 0b1111, 2]);
  });

  it('every code of each width: exactly 0 and +-(1..e_max+1) are valid, and each decodes to a weight that codes back to it', () => {
    for (const bits of BITS) {
      const signBit = 1 << (bits - 1);
      const valid: number[] = [];
      for (let code = 0; code < 2 * signBit; code++) {
        const mag = code & (signBit - 1);
        const expected = code === 0 || (mag >= 1 && mag <= maxPotExponent(bits) + 1);
        expect(isPotCode(code, bits), `${bits}-bit code ${code}`).toBe(expected);
        if (!expected) {
          expect(() => decodePot(code, bits)).toThrow(RangeError);
          continue;
        }
        valid.push(code);
        const w = decodePot(code, bits);
        expect(potCode(w, bits)).toBe(code);
        expect(Math.abs(w)).toBe(mag === 0 ? 0 : 2 ** (mag - 1));
        expect(w < 0).toBe(code >= signBit);
      }
      expect(valid.length).toBe(1 + 2 * (maxPotExponent(bits) + 1)); // 17 (5-bit), 15 (4-bit)
      for (const code of [-1, 2 * signBit, 255, 0.5, NaN]) expect(isPotCode(code, bits)).toBe(false);
    }
  });

  it('"-0" (the sign bit alone) is not a code: rejected by isPotCode and decodePot; the weight 0 (and -0.0) codes as 0', () => {
    expect(isPotCode(0b10000, 5)).toBe(false);
    expect(isPotCode(0b1000, 4)).toBe(false);
    expect(() => decodePot(0b10000, 5)).toThrow(/not a valid 5-bit power-of-two code/);
    expect(() => decodePot(0b1000, 4)).toThrow(/not a valid 4-bit power-of-two code/);
    expect([potCode(0, 5), potCode(-0, 5), potCode(-0, 4), encodePot(-0, 'log')]).toEqual([0, 0, 0, 0]);
  });

  it('weights: round trip for every representable value, -1 for everything else in -300..300', () => {
    for (const bits of BITS) {
      const top = 2 ** maxPotExponent(bits);
      for (let v = -300; v <= 300; v++) {
        const a = Math.abs(v);
        const representable = v === 0 || (a <= top && (a & (a - 1)) === 0);
        const c = potCode(v, bits);
        if (representable) expect(decodePot(c, bits), `${bits}-bit ${v}`).toBe(v);
        else expect(c, `${bits}-bit ${v}`).toBe(-1);
      }
      for (const v of [0.5, 1.5, NaN, Infinity, -Infinity]) expect(potCode(v, bits)).toBe(-1);
    }
  });

  it('encodePot is potCode of potValue, on every int8 weight and rule', () => {
    for (const rule of POT_ROUNDINGS)
      for (let q = -127; q <= 127; q++) {
        const v = potValue(q, rule);
        expect(encodePot(q, rule)).toBe(potCode(v, codeBits(rule)));
        expect(Math.sign(v)).toBe(Math.sign(q));
        if (q !== 0) expect(Math.abs(v)).toBe(2 ** potExponent(Math.abs(q), rule));
      }
  });

  it('potExponents: exponent (-1 for zero) and sign per weight, or the first weight that is not a PoT weight', () => {
    const r = potExponents([0, 1, -1, 128, -64], 5);
    expect(r).toEqual({ exp: Int8Array.of(-1, 0, 0, 7, 6), neg: Uint8Array.of(0, 0, 1, 0, 1) });
    expect(potExponents([1, 2, 128], 4)).toEqual({ bad: 2 });
    expect(potExponents([4, 3], 5)).toEqual({ bad: 1 });
  });
});
