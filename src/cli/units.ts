// Words and units every command uses the same way.
//
// Savings: `saving...Pct` fields and "% saved" texts are positive when the model is smaller than
// the reference (37.50 = 37.50 % fewer bits than 8-bit), negative when it is larger.
// Kernel-weight bytes: each layer's kernel weights packed on their own, rounded up to a whole
// byte per layer, summed (what the packed codes occupy before the file's 16-byte alignment).
// Bits are exact and never rounded.

/** Kernel-weight bytes of a model: per layer ceil(weights x bits / 8), summed. */
export function kernelWeightBytes(layers: readonly { weightBits: number }[]): number {
  return layers.reduce((s, l) => s + Math.ceil(l.weightBits / 8), 0);
}

/** Percent saved against a reference size (positive = smaller). */
export function savedPct(size: number, reference: number): number {
  return 100 * (1 - size / reference);
}
