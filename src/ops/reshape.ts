// ONNX Reshape: new shape from a constant int64 tensor; 0 copies the input dimension
// (unless allowzero=1), one -1 is inferred. Data is not moved.
// See: onnx/docs/Operators.md#Reshape

import { tensor, toInts, type Tensor } from '../ir/tensor.js';
import type { ValueInfo } from '../ir/graph.js';
import { fail, need, needConst, type OpDef } from './op.js';

export interface ReshapeAttrs { allowZero: boolean }

function newShape(x: ValueInfo, s: Tensor, allowZero: boolean): number[] {
  const req = toInts(s);
  const n = x.shape.reduce((p, d) => p * d, 1);
  const out = req.map((d, i) => (d === 0 && !allowZero ? (x.shape[i] ?? fail(`shape[${i}] = 0 copies a missing input dimension`)) : d));
  const unknown = out.filter((d) => d === -1).length;
  if (unknown > 1) fail('more than one -1 in shape');
  if (out.some((d) => d < -1)) fail(`invalid shape [${req.join(',')}]`);
  const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (unknown) {
    if (known === 0 || n % known !== 0) fail(`cannot reshape [${x.shape.join(',')}] to [${req.join(',')}]`);
    out[out.indexOf(-1)] = n / known;
  } else if (known !== n) fail(`cannot reshape [${x.shape.join(',')}] (${n} elements) to [${req.join(',')}]`);
  return out;
}

export const Reshape: OpDef<ReshapeAttrs> = {
  type: 'Reshape',
  arity: [2, 2],
  parse: (a) => ({ allowZero: a.int('allowzero', 0) !== 0 }),
  infer([x], consts, { allowZero }) {
    const X = need(x, 'data');
    return [{ dtype: X.dtype, shape: newShape(X, needConst(consts[1], 'shape'), allowZero) }];
  },
  run([x, s], { allowZero }) {
    const X = need(x, 'data');
    return [tensor(X.dtype, newShape(X, need(s, 'shape'), allowZero), X.data)];
  },
};
