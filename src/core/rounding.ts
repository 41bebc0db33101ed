// The two roundings of doubleq's integer path, named so that no other is used by accident:
//   - floats -> integers (weights, activations, biases, multipliers): round half to even,
//     never Math.round, which breaks ties toward +infinity (so -2.5 -> -2 but 2.5 -> 3);
//   - integer requantization (src/core/requant.ts): round half toward +infinity, because
//     "add half, arithmetic shift right" is what the wasm kernels compute.

/** Rounds to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties toward +infinity; r - x is exact (Sterbenz), 0.5 only at a tie
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
