// ONNX Relu: Y = max(0, X). See: onnx/docs/Operators.md#Relu

import { f32 } from '../ir/tensor.js';
import { expectFloat, freshF32, need, type OpDef } from './op.js';

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
    const y = alloc(d.length);
    for (let i = 0; i < d.length; i++) y[i] = d[i]! > 0 ? d[i]! : 0;
    return [f32(X.shape, y)];
  },
};
