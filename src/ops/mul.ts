// ONNX Mul with multidirectional broadcasting: C = A * B (float32).
// See: onnx/docs/Operators.md#Mul

import { f32 } from '../ir/tensor.js';
import { broadcastIndex, broadcastShape } from './elementwise.js';
import { expectFloat, need, type OpDef } from './op.js';

export const Mul: OpDef<Record<string, never>> = {
  type: 'Mul',
  arity: [2, 2],
  parse: () => ({}),
  infer([a, b]) {
    const A = need(a, 'A'), B = need(b, 'B');
    expectFloat(A, 'A');
    expectFloat(B, 'B');
    return [{ dtype: 'float32', shape: broadcastShape(A.shape, B.shape) }];
  },
  run([a, b]) {
    const A = need(a, 'A'), B = need(b, 'B');
    const shape = broadcastShape(A.shape, B.shape);
    const ia = broadcastIndex(A.shape, shape), ib = broadcastIndex(B.shape, shape);
    const x = A.data as Float32Array, y = B.data as Float32Array, o = new Float32Array(ia.length);
    for (let i = 0; i < o.length; i++) o[i] = x[ia[i]!]! * y[ib[i]!]!;
    return [f32(shape, o)];
  },
};
