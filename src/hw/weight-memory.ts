// Hardware weight memories of a quantized layer. This comment is the specification of the
// word layout that `doubleq export-hw` writes (and manifest.json repeats per layer).
//
// One memory word holds one value; word i sits at address i (no packing of several values
// into a word, so a ROM's address is the value's index and its width is the value's width).
//
//  weights   conv: address = ((m * kh + ky) * kw + kx) * cg + ci            (OHWI order)
//              m   output channel, 0..M-1 (slowest)
//              ky  kernel row, kx kernel column
//              ci  input channel within the group, 0..cg-1 (fastest), cg = C / group;
//                  output channel m reads input channels [floor(m / (M/group)) * cg, +cg)
//            gemm: address = m * K + k                                       (row m = output)
//            int8 layer: word width 8, the weight in two's complement, in [-127, 127]
//            power-of-two layer: word width = code bits (5 for rules log/linear, 4 for floor):
//              bit (bits-1)   sign (1 = negative)
//              bits below     magnitude: 0 = weight 0, else exponent + 1
//              weight = (sign ? -1 : 1) * 2^(magnitude - 1); 5-bit exponents 0..7, 4-bit 0..6
//  bias      per output channel m: int32, two's complement, word width 32
//  mult      per output channel m: requantization multiplier, unsigned in [2^30, 2^31), width 32
//  shift     per output channel m: requantization shift in [1, 62], word width 8
//
// Per layer scalars (manifest.json and the C header): input zero point zx, output zero point
// zy, clamp bounds qmin, qmax. With acc = bias[m] + sum (x - zx) * w over the in-bounds taps
// (out-of-bounds taps of a padded window are skipped, i.e. contribute 0):
//   y = clamp(zy + floor((acc * mult[m] + 2^(shift[m]-1)) / 2^shift[m]), qmin, qmax)
// with the 64-bit product acc * mult: round half toward +infinity, then clamp.
//
// Activation tensors (golden vectors) are int8 words (width 8, two's complement), image by
// image, each image in the engine's order: NHWC, address = (y * W + x) * C + c, or [k].

import { potCode } from '../core/pot-codec.js';
import type { QConv, QGemm } from '../ir/qgraph.js';

export type WeightLayer = QConv | QGemm;

/** One memory: unsigned words of `width` bits (negative values stored in two's complement). */
export interface Memory {
  /** the memory's role: weights, bias, mult, shift, or a golden tensor's name */
  kind: string;
  width: number;
  words: Uint32Array;
  /** true when the words are two's-complement signed values */
  signed: boolean;
}

export const BIAS_BITS = 32;
export const MULT_BITS = 32;
export const SHIFT_BITS = 8;
export const ACTIVATION_BITS = 8;

/** Two's-complement words of `width` bits from signed integers. */
export function signedWords(values: ArrayLike<number>, width: number): Uint32Array {
  const out = new Uint32Array(values.length);
  const mod = 2 ** width;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < -(2 ** (width - 1)) || v >= 2 ** (width - 1)) throw new RangeError(`value ${v} does not fit ${width} signed bits`);
    out[i] = v < 0 ? v + mod : v;
  }
  return out;
}

/** Word width of a layer's weight memory: 8 (int8) or the code width (power of two). */
export function weightWordBits(n: WeightLayer): number {
  return n.pot ? n.pot.bits : 8;
}

/** The weight memory in the order above: int8 bytes, or the sign + magnitude codes. */
export function weightMemory(n: WeightLayer): Memory {
  if (n.pot) {
    const bits = n.pot.bits, words = new Uint32Array(n.weights.length);
    for (let i = 0; i < words.length; i++) {
      const c = potCode(n.weights[i]!, bits);
      if (c < 0) throw new RangeError(`${n.name}: weight ${i} (${n.weights[i]}) is not a ${bits}-bit power-of-two code`);
      words[i] = c;
    }
    return { kind: 'weights', width: bits, words, signed: false };
  }
  return { kind: 'weights', width: 8, words: signedWords(n.weights, 8), signed: true };
}

/** Per-output-channel constants: bias, mult, shift memories. */
export function channelMemories(n: WeightLayer): Memory[] {
  return [
    { kind: 'bias', width: BIAS_BITS, words: signedWords(n.bias, BIAS_BITS), signed: true },
    { kind: 'mult', width: MULT_BITS, words: Uint32Array.from(n.requant.mult), signed: false },
    { kind: 'shift', width: SHIFT_BITS, words: Uint32Array.from(n.requant.shift), signed: false },
  ];
}

/** An int8 activation tensor as a memory of 8-bit words. */
export function activationMemory(kind: string, x: Int8Array): Memory {
  return { kind, width: ACTIVATION_BITS, words: signedWords(x, ACTIVATION_BITS), signed: true };
}
