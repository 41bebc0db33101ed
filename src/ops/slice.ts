// ONNX Slice: along each listed axis take start, start+step, ... up to (excluding) end.
// starts/ends are clamped as the spec says (INT64_MAX means "to the end"; negative counts
// from the end); steps may be negative. Opset >= 10: inputs; opset 1: attributes.
// See: onnx/docs/Operators.md#Slice

import { allocData, tensor, toInts, type Tensor } from '../ir/tensor.js';
import type { ValueInfo } from '../ir/graph.js';
import { axisOf, fail, freshF32, need, needConst, type OpDef } from './op.js';
import { forEachIndex, stridesOf } from './strides.js';

export interface SliceAttrs { starts?: number[]; ends?: number[]; axes?: number[] }

interface AxisSlice { start: number; step: number; count: number }

function plan(x: ValueInfo, attrs: SliceAttrs, consts: readonly (Tensor | undefined)[]): AxisSlice[] {
  const r = x.shape.length;
  const fromInputs = attrs.starts === undefined;
  const starts = fromInputs ? toInts(needConst(consts[1], 'starts')) : attrs.starts!;
  const ends = fromInputs ? toInts(needConst(consts[2], 'ends')) : attrs.ends ?? fail('missing ends');
  const axes = fromInputs ? (consts[3] ? toInts(consts[3]) : undefined) : attrs.axes;
  const steps = fromInputs && consts[4] ? toInts(consts[4]) : undefined;
  if (ends.length !== starts.length) fail('starts and ends differ in length');
  const ax = (axes ?? [...starts.keys()]).map((a) => axisOf(a, r, 'slice axis'));
  if (ax.length !== starts.length || (steps && steps.length !== starts.length)) fail('axes/steps must match starts in length');
  if (new Set(ax).size !== ax.length) fail('repeated slice axis');
  const out: AxisSlice[] = x.shape.map((d) => ({ start: 0, step: 1, count: d }));
  ax.forEach((a, i) => {
    const d = x.shape[a]!;
    const step = steps ? steps[i]! : 1;
    if (step === 0) fail('slice step must not be 0');
    let s = starts[i]!, e = ends[i]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, -1), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    const count = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
    out[a] = { start: s, step, count };
  });
  return out;
}

export const Slice: OpDef<SliceAttrs> = {
  type: 'Slice',
  arity: [1, 5],
  parse(a, opset) {
    if (opset < 10) return { starts: a.ints('starts') ?? fail('missing starts'), ends: a.ints('ends'), axes: a.ints('axes') };
    return {};
  },
  infer([x], consts, attrs) {
    const X = need(x, 'data');
    return [{ dtype: X.dtype, shape: plan(X, attrs, consts).map((p) => p.count) }];
  },
  run(inputs, attrs, alloc = freshF32) {
    const X = need(inputs[0], 'data');
    const p = plan(X, attrs, inputs);
    const shape = p.map((q) => q.count);
    const size = shape.reduce((a, d) => a * d, 1);
    const out = X.dtype === 'float32' ? alloc(size) : allocData(X.dtype, size);
    const st = stridesOf(X.shape);
    const src = X.data as Float32Array, dst = out as Float32Array;
    forEachIndex(shape, (k, c) => {
      let o = 0;
      for (let d = 0; d < c.length; d++) o += (p[d]!.start + c[d]! * p[d]!.step) * st[d]!;
      dst[k] = src[o]!;
    });
    return [tensor(X.dtype, shape, out)];
  },
};
