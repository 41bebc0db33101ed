// Bit streams of fixed-width codes (the .dq file's storage of power-of-two codes).

import { describe, expect, it } from 'vitest';
import { packCodes, unpackCodes } from '../../../src/format/bit-pack.js';
import { mulberry32 } from '../../helpers/rng.js';

describe('bit packing', () => {
  it('round trips 4- and 5-bit codes of any length', () => {
    const rng = mulberry32(9);
    for (const bits of [4, 5])
      for (const n of [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 1001]) {
        const codes = Uint8Array.from({ length: n }, () => Math.floor(rng() * 2 ** bits));
        const packed = packCodes(codes, bits);
        expect(packed.length).toBe(Math.ceil((n * bits) / 8));
        expect(unpackCodes(packed, n, bits)).toEqual(codes);
      }
  });

  it('puts code 0 in the low bits of byte 0', () => {
    expect(Array.from(packCodes(Uint8Array.from([1, 2, 3]), 5))).toEqual([0b01000001, 0b00001100]);
  });
});
