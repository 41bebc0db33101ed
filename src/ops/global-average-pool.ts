// ONNX GlobalAveragePool: Y[n,c,1,1] = mean over the spatial axes of X[n,c,...].
// See: onnx/docs/Operators.md#GlobalAveragePool

import { f32 } from '../ir/tensor.js';
import { expectFloat, fail, freshF32, need, type OpDef } from './op.js';

export const GlobalAveragePool: OpDef<Record<string, never>> = {
  type: 'GlobalAveragePool',
  arity: [1, 1],
  parse: () => ({}),
  infer([x]) {
    const X = need(x, 'X');
    expectFloat(X, 'X');
    if (X.shape.length < 3) fail('X must have spatial axes');
    return [{ dtype: 'float32', shape: [X.shape[0]!, X.shape[1]!, ...X.shape.slice(2).map(() => 1)] }];
  },
  run([x], _a, alloc = freshF32) {
    const X = need(x, 'X');
    const nc = X.shape[0]! * X.shape[1]!;
    const inner = X.shape.slice(2).reduce((p, d) => p * d, 1);
    const src = X.data as Float32Array, y = alloc(nc);
    for (let i = 0; i < nc; i++) {
      let acc = 0;
      for (let k = 0; k < inner; k++) acc += src[i * inner + k]!;
      y[i] = acc / inner;
    }
    return [f32([X.shape[0]!, X.shape[1]!, ...X.shape.slice(2).map(() => 1)], y)];
  },
};
