// ONNX Unsqueeze: insert size-1 axes at the given output positions (negative counts from
// the output rank). Opset >= 13: axes is an input; before, an attribute.
// See: onnx/docs/Operators.md#Unsqueeze

import { tensor, toInts, type Tensor } from '../ir/tensor.js';
import type { ValueInfo } from '../ir/graph.js';
import { axisOf, fail, need, needConst, type OpDef } from './op.js';

export interface UnsqueezeAttrs { axes?: number[] }

function outShape(x: ValueInfo, attrs: UnsqueezeAttrs, axesT: Tensor | undefined): number[] {
  const axes = attrs.axes ?? toInts(needConst(axesT, 'axes'));
  const r = x.shape.length + axes.length;
  const norm = axes.map((a) => axisOf(a, r, 'unsqueeze axis'));
  if (new Set(norm).size !== norm.length) fail('repeated unsqueeze axis');
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) out.push(norm.includes(i) ? 1 : x.shape[k++]!);
  return out;
}

export const Unsqueeze: OpDef<UnsqueezeAttrs> = {
  type: 'Unsqueeze',
  arity: [1, 2],
  parse: (a, opset) => (opset < 13 ? { axes: a.ints('axes') ?? fail('missing axes') } : {}),
  infer: ([x], consts, attrs) => [{ dtype: need(x, 'data').dtype, shape: outShape(x!, attrs, consts[1]) }],
  run([x, axes], attrs) {
    const X = need(x, 'data');
    return [tensor(X.dtype, outShape(X, attrs, axes), X.data)];
  },
};
