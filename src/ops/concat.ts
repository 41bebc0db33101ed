// ONNX Concat: join tensors of equal rank along `axis`. Float data and int64 shape
// arithmetic alike. See: onnx/docs/Operators.md#Concat

import { allocData, tensor } from '../ir/tensor.js';
import type { ValueInfo } from '../ir/graph.js';
import { axisOf, fail, need, type OpDef } from './op.js';

export interface ConcatAttrs { axis: number }

function outShape(xs: readonly ValueInfo[], axis: number): [number[], number] {
  const first = xs[0]!;
  const a = axisOf(axis, first.shape.length);
  const shape = [...first.shape];
  shape[a] = 0;
  for (const x of xs) {
    if (x.dtype !== first.dtype) fail(`inputs mix ${first.dtype} and ${x.dtype}`);
    if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== a && d !== first.shape[i]))
      fail(`input shapes [${first.shape.join(',')}] and [${x.shape.join(',')}] differ outside axis ${a}`);
    shape[a] += x.shape[a]!;
  }
  return [shape, a];
}

export const Concat: OpDef<ConcatAttrs> = {
  type: 'Concat',
  arity: [1, Infinity],
  parse(a) {
    const axis = a.int('axis');
    if (axis === undefined) fail('missing attribute axis');
    return { axis };
  },
  infer(inputs, _c, { axis }) {
    const xs = inputs.map((x, i) => need(x, `input ${i}`));
    return [{ dtype: xs[0]!.dtype, shape: outShape(xs, axis)[0] }];
  },
  run(inputs, { axis }) {
    const xs = inputs.map((x, i) => need(x, `input ${i}`));
    const [shape, a] = outShape(xs, axis);
    const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
    const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
    const out = allocData(xs[0]!.dtype, shape.reduce((p, d) => p * d, 1)) as Float32Array;
    let off = 0;
    const row = shape[a]! * inner;
    for (const x of xs) {
      const len = x.shape[a]! * inner;
      const src = x.data as Float32Array;
      for (let o = 0; o < outer; o++) out.set(src.subarray(o * len, (o + 1) * len), o * row + off);
      off += len;
    }
    return [tensor(xs[0]!.dtype, shape, out)];
  },
};
