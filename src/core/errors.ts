/** A value that cannot be quantized or requantized as asked (range, NaN, unknown layer, ...): one line. */
export class QuantizationError extends Error {
  override readonly name = 'QuantizationError';
}
