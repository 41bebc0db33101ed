// Little-endian bit streams of fixed-width codes: code i occupies bits [i*bits, (i+1)*bits)
// (bit 0 of byte 0 first), ceil(n*bits/8) bytes, unused high bits of the last byte zero.
// The .dq file stores power-of-two weight codes this way.

/** Packs codes of `bits` bits into a little-endian bit stream. */
export function packCodes(codes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((codes.length * bits) / 8));
  for (let i = 0, bit = 0; i < codes.length; i++, bit += bits) {
    const v = codes[i]! << (bit & 7);
    out[bit >> 3]! |= v & 0xff;
    if ((bit & 7) + bits > 8) out[(bit >> 3) + 1]! |= v >> 8;
  }
  return out;
}

export function unpackCodes(packed: Uint8Array, count: number, bits: number): Uint8Array {
  const out = new Uint8Array(count);
  const mask = (1 << bits) - 1;
  for (let i = 0, bit = 0; i < count; i++, bit += bits) {
    const lo = packed[bit >> 3]!, hi = (bit & 7) + bits > 8 ? packed[(bit >> 3) + 1]! : 0;
    out[i] = ((lo | (hi << 8)) >> (bit & 7)) & mask;
  }
  return out;
}
