// ONNX Softmax. Opset >= 13: over `axis` alone (default -1); opset < 13: over the flattened
// axes [axis, rank) (default 1). Max-subtracted, float64 sums, float32 out.
// See: onnx/docs/Operators.md#Softmax

import { f32 } from '../ir/tensor.js';
import { axisOf, expectFloat, need, type OpDef } from './op.js';

export interface SoftmaxAttrs { axis: number; /** opset < 13: the axes from `axis` on are one */ flatten: boolean }

/** [outer, k, inner] of the softmax over `a`'s axes (the reduced run is k, stride inner). */
export function softmaxSplit(shape: readonly number[], attrs: SoftmaxAttrs): [number, number, number] {
  const a = axisOf(attrs.axis, shape.length);
  const p = (s: readonly number[]) => s.reduce((x, d) => x * d, 1);
  if (attrs.flatten) return [p(shape.slice(0, a)), p(shape.slice(a)), 1];
  return [p(shape.slice(0, a)), shape[a]!, p(shape.slice(a + 1))];
}

export const Softmax: OpDef<SoftmaxAttrs> = {
  type: 'Softmax',
  arity: [1, 1],
  outputs: 1,
  parse: (a, opset) => ({ axis: a.int('axis', opset >= 13 ? -1 : 1), flatten: opset < 13 }),
  infer([x], _c, attrs) {
    const X = need(x, 'input');
    expectFloat(X, 'input');
    axisOf(attrs.axis, X.shape.length);
    return [{ dtype: 'float32', shape: X.shape }];
  },
  run([x], attrs) {
    const X = need(x, 'input'), d = X.data as Float32Array;
    const [outer, k, inner] = softmaxSplit(X.shape, attrs);
    const y = new Float32Array(d.length);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => (o * k + j) * inner + i;
        let mx = -Infinity, sum = 0;
        for (let j = 0; j < k; j++) mx = Math.max(mx, d[at(j)]!);
        for (let j = 0; j < k; j++) sum += Math.exp(d[at(j)]! - mx);
        for (let j = 0; j < k; j++) y[at(j)] = Math.exp(d[at(j)]! - mx) / sum;
      }
    return [f32(X.shape, y)];
  },
};
