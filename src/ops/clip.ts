// ONNX Clip: Y = min(max(X, min), max). Opset >= 11 takes min/max as optional inputs,
// older opsets as attributes. NaN stays NaN. See: onnx/docs/Operators.md#Clip

import { f32, type Tensor } from '../ir/tensor.js';
import { expectFloat, fail, freshF32, need, type OpDef } from './op.js';

export interface ClipAttrs { min: number; max: number }

function scalar(t: Tensor | undefined, dflt: number, what: string): number {
  if (!t) return dflt;
  if (t.data.length !== 1) fail(`${what} must be a scalar`);
  return Number(t.data[0]);
}

/** The definition: y = v < lo ? lo : v > hi ? hi : v (NaN and -0 pass through unchanged). */
function clipPlain(d: Float32Array, y: Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    y[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

const bits = new Int32Array(1);
const bitsF = new Float32Array(bits.buffer);

/** float32 bit pattern of a float32-representable number. */
function f32Bits(v: number): number {
  bitsF[0] = v;
  return bits[0]!;
}

/**
 * clipPlain without branches (on real activations the comparisons are unpredictable: ~10 ns
 * per element against ~4 here), on the float32 bits: the key (|b| with the sign applied, as an
 * int32) orders non-NaN floats as their values do, with -0 and +0 equal; NaN (|b| > 0x7f800000)
 * is never clamped. Needs lo <= hi, both float32 values (not NaN): then it equals clipPlain
 * bit for bit, NaN payloads and signed zeros included (a signalling NaN comes out quiet, as it
 * does from the float32 -> float64 -> float32 round trip of clipPlain).
 */
function clipBits(d: Float32Array, y: Float32Array, lo: number, hi: number): void {
  const bl = f32Bits(lo), bh = f32Bits(hi);
  const kl = ((bl & 0x7fffffff) ^ (bl >> 31)) - (bl >> 31), kh = ((bh & 0x7fffffff) ^ (bh >> 31)) - (bh >> 31);
  const di = new Int32Array(d.buffer, d.byteOffset, d.length), yi = new Int32Array(y.buffer, y.byteOffset, y.length);
  const n = di.length;
  for (let i = 0; i < n; i++) {
    const b = di[i]!, s = b >> 31, mag = b & 0x7fffffff, k = (mag ^ s) - s;
    const num = (mag - 0x7f800001) >> 31; // -1 unless NaN
    const mlo = -+(k < kl) & num; // -1 where v < lo (a ternary here compiles to a branch)
    const mhi = -+(k > kh) & num & ~mlo; // -1 where v > hi (and not already lo)
    // a NaN passes with its quiet bit set, as through the float64 of the definition's loop
    yi[i] = (b & ~(mlo | mhi)) | (bl & mlo) | (bh & mhi) | (~num & 0x00400000);
  }
}

/** y = clip(d, lo, hi); y may be d itself (each element is read before it is written). */
export function clipF32(d: Float32Array, y: Float32Array, lo: number, hi: number): void {
  if (Math.fround(lo) === lo && Math.fround(hi) === hi && lo <= hi) clipBits(d, y, lo, hi);
  else clipPlain(d, y, lo, hi); // NaN, non-float32 or crossed bounds: the definition itself
}

export const Clip: OpDef<ClipAttrs> = {
  type: 'Clip',
  arity: [1, 3],
  parse(a) {
    return { min: a.float('min', -Infinity), max: a.float('max', Infinity) };
  },
  infer([x, mn, mx], consts) {
    const X = need(x, 'X');
    expectFloat(X, 'X');
    if ((mn && !consts[1]) || (mx && !consts[2])) fail('min/max must be constants');
    return [{ dtype: 'float32', shape: X.shape }];
  },
  run([x, mn, mx], attrs, alloc = freshF32) {
    const X = need(x, 'X'), d = X.data as Float32Array;
    const lo = scalar(mn, attrs.min, 'min'), hi = scalar(mx, attrs.max, 'max');
    const y = alloc(d.length, false); // every element is written
    clipF32(d, y, lo, hi);
    return [f32(X.shape, y)];
  },
};

/** The constant clamp bounds of a Clip node (for activation fusion). */
export function clipBounds(attrs: ClipAttrs, mn: Tensor | undefined, mx: Tensor | undefined): [number, number] {
  return [scalar(mn, attrs.min, 'min'), scalar(mx, attrs.max, 'max')];
}
