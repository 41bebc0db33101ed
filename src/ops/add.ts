// ONNX Add with multidirectional broadcasting: C = A + B.
// See: onnx/docs/Operators.md#Add

import { allocData, tensor, type Tensor } from '../ir/tensor.js';
import { broadcastIndex, broadcastShape } from './elementwise.js';
import { fail, freshF32, need, type OpDef } from './op.js';

export const Add: OpDef<Record<string, never>> = {
  type: 'Add',
  arity: [2, 2],
  parse: () => ({}),
  infer([a, b]) {
    const A = need(a, 'A'), B = need(b, 'B');
    if (A.dtype !== B.dtype) fail(`A is ${A.dtype} but B is ${B.dtype}`);
    if (A.dtype !== 'float32' && A.dtype !== 'int64') fail(`Add supports float32 and int64, got ${A.dtype}`);
    return [{ dtype: A.dtype, shape: broadcastShape(A.shape, B.shape) }];
  },
  run([a, b], _a, alloc = freshF32) {
    const A = need(a, 'A'), B = need(b, 'B');
    const shape = broadcastShape(A.shape, B.shape);
    const size = shape.reduce((p, d) => p * d, 1);
    const out = A.dtype === 'float32' ? alloc(size, false) : allocData(A.dtype, size); // every element is written
    const same = A.data.length === out.length && B.data.length === out.length;
    if (A.dtype === 'int64') {
      const ia = broadcastIndex(A.shape, shape), ib = broadcastIndex(B.shape, shape);
      const x = A.data as BigInt64Array, y = B.data as BigInt64Array, o = out as BigInt64Array;
      for (let i = 0; i < o.length; i++) o[i] = x[ia[i]!]! + y[ib[i]!]!;
    } else {
      const x = A.data as Float32Array, y = B.data as Float32Array, o = out as Float32Array;
      if (same) for (let i = 0; i < o.length; i++) o[i] = x[i]! + y[i]!;
      else {
        const ia = broadcastIndex(A.shape, shape), ib = broadcastIndex(B.shape, shape);
        for (let i = 0; i < o.length; i++) o[i] = x[ia[i]!]! + y[ib[i]!]!;
      }
    }
    return [tensor(A.dtype, shape, out) as Tensor];
  },
};
