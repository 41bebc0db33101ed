// ONNX Relu: Y = max(0, X). See: onnx/docs/Operators.md#Relu

import { f32 } from '../ir/tensor.js';
import { expectFloat, freshF32, need, type OpDef } from './op.js';

/**
 * y = v > 0 ? v : 0 for every element (so NaN and -0 give +0), without branches: on real
 * activations the sign is unpredictable and a branch per element costs more than the bit test.
 * On the float32 bits b: kept iff 0 < b <= 0x7f800000 as an int32 (positive, up to +Infinity).
 * y may be d itself (each element is read before it is written).
 */
export function reluF32(d: Float32Array, y: Float32Array): void {
  const di = new Int32Array(d.buffer, d.byteOffset, d.length), yi = new Int32Array(y.buffer, y.byteOffset, y.length);
  const n = di.length;
  for (let i = 0; i < n; i++) {
    const b = di[i]!;
    // -1 when negative (sign bit), when +0, when above +Infinity (NaN); only the sign term
    // matters for negative b, where the other two may wrap
    yi[i] = b & ~((b >> 31) | ((b - 1) >> 31) | ((0x7f800000 - b) >> 31));
  }
}

export const Relu: OpDef<Record<string, never>> = {
  type: 'Relu',
  arity: [1, 1],
  parse: () => ({}),
  infer([x]) {
    const X = need(x, 'X');
    expectFloat(X, 'X');
    return [{ dtype: 'float32', shape: X.shape }];
  },
  run([x], _a, alloc = freshF32) {
    const X = need(x, 'X'), d = X.data as Float32Array;
    const y = alloc(d.length, false); // every element is written
    reluF32(d, y);
    return [f32(X.shape, y)];
  },
};
