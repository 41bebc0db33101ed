// ONNX Flatten: [d0..dn] -> [d0*..*d(axis-1), d(axis)*..*dn]. Data is not moved.
// See: onnx/docs/Operators.md#Flatten

import { tensor } from '../ir/tensor.js';
import { fail, need, type OpDef } from './op.js';

export interface FlattenAttrs { axis: number }

function flatShape(shape: readonly number[], axis: number): number[] {
  const a = axis < 0 ? axis + shape.length : axis;
  if (a < 0 || a > shape.length) fail(`axis ${axis} out of range for rank ${shape.length}`);
  const p = (s: readonly number[]) => s.reduce((x, d) => x * d, 1);
  return [p(shape.slice(0, a)), p(shape.slice(a))];
}

export const Flatten: OpDef<FlattenAttrs> = {
  type: 'Flatten',
  arity: [1, 1],
  parse: (a) => ({ axis: a.int('axis', 1) }),
  infer([x], _c, { axis }) {
    const X = need(x, 'input');
    return [{ dtype: X.dtype, shape: flatShape(X.shape, axis) }];
  },
  run([x], { axis }) {
    const X = need(x, 'input');
    return [tensor(X.dtype, flatShape(X.shape, axis), X.data)];
  },
};
