// Float range -> int8 quantization parameters.
// Activations: asymmetric per tensor, q in [-128, 127], real = scale * (q - zp), with 0.0
// exactly representable (zp integer). Weights: symmetric, q in [-127, 127], zp 0.

import type { QParams } from '../ir/qgraph.js';
import { QuantizationError } from '../core/errors.js';
import { clampInt, roundHalfEven } from '../core/rounding.js';

export interface Range { min: number; max: number }

/** Smallest scale we produce: keeps degenerate (all-zero) tensors finite. */
const MIN_SCALE = 2 ** -24;

export function activationParams(r: Range, what: string): QParams {
  if (!Number.isFinite(r.min) || !Number.isFinite(r.max) || r.min > r.max) throw new QuantizationError(`${what}: invalid range [${r.min}, ${r.max}]`);
  const min = Math.min(r.min, 0), max = Math.max(r.max, 0);
  const scale = Math.max((max - min) / 255, MIN_SCALE);
  const zeroPoint = clampInt(roundHalfEven(-128 - min / scale), -128, 127);
  return { scale, zeroPoint };
}

/** q = clamp(roundHalfEven(x / scale) + zp, -128, 127), computed as float32 like the input. */
export function quantizeValue(x: number, q: QParams): number {
  return clampInt(roundHalfEven(Math.fround(x / q.scale)) + q.zeroPoint, -128, 127);
}

export interface WeightQuant { q: Int8Array; scale: Float32Array }

/** Symmetric int8 weights, one scale per output channel (rows of `perChannel` elements) or per tensor. */
export function quantizeWeights(w: Float32Array, channels: number, perTensor: boolean, what: string): WeightQuant {
  const per = w.length / channels;
  const scale = new Float32Array(channels);
  let globalMax = 0;
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i]!)) throw new QuantizationError(`${what}: weight ${i} is ${w[i]} (NaN or Inf weights cannot be quantized)`);
    globalMax = Math.max(globalMax, Math.abs(w[i]!));
  }
  for (let m = 0; m < channels; m++) {
    let mx = 0;
    for (let i = 0; i < per; i++) mx = Math.max(mx, Math.abs(w[m * per + i]!));
    const s = (perTensor ? globalMax : mx) / 127;
    scale[m] = s > 0 ? s : 1; // an all-zero channel: any scale, the codes are 0
  }
  const q = new Int8Array(w.length);
  for (let m = 0; m < channels; m++)
    for (let i = 0; i < per; i++) q[m * per + i] = clampInt(roundHalfEven(w[m * per + i]! / scale[m]!), -127, 127);
  return { q, scale };
}
