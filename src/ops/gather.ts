// ONNX Gather: out = data indexed along `axis` by `indices` (negative counts from the end);
// out shape = data[:axis] + indices.shape + data[axis+1:]. See: onnx/docs/Operators.md#Gather

import { allocData, tensor, toInts, type Tensor } from '../ir/tensor.js';
import type { ValueInfo } from '../ir/graph.js';
import { axisOf, fail, need, needConst, type OpDef } from './op.js';

export interface GatherAttrs { axis: number }

function outShape(d: ValueInfo, idx: ValueInfo, axis: number): [number[], number] {
  const a = axisOf(axis, d.shape.length);
  if (idx.dtype !== 'int64' && idx.dtype !== 'int32') fail(`indices must be int64 or int32, got ${idx.dtype}`);
  return [[...d.shape.slice(0, a), ...idx.shape, ...d.shape.slice(a + 1)], a];
}

export const Gather: OpDef<GatherAttrs> = {
  type: 'Gather',
  arity: [2, 2],
  parse: (a) => ({ axis: a.int('axis', 0) }),
  infer([d, i], consts, { axis }) {
    needConst(consts[1], 'indices');
    return [{ dtype: need(d, 'data').dtype, shape: outShape(d!, need(i, 'indices'), axis)[0] }];
  },
  run([d, i], { axis }) {
    const D = need(d, 'data'), I: Tensor = need(i, 'indices');
    const [shape, a] = outShape(D, I, axis);
    const dim = D.shape[a]!;
    const idx = toInts(I).map((v) => {
      const k = v < 0 ? v + dim : v;
      if (k < 0 || k >= dim) fail(`index ${v} out of range for axis of size ${dim}`);
      return k;
    });
    const outer = D.shape.slice(0, a).reduce((p, x) => p * x, 1);
    const inner = D.shape.slice(a + 1).reduce((p, x) => p * x, 1);
    const out = allocData(D.dtype, shape.reduce((p, x) => p * x, 1)) as Float32Array;
    const src = D.data as Float32Array;
    let o = 0;
    for (let p = 0; p < outer; p++)
      for (const k of idx) {
        out.set(src.subarray((p * dim + k) * inner, (p * dim + k + 1) * inner), o);
        o += inner;
      }
    return [tensor(D.dtype, shape, out)];
  },
};
