// ONNX Pad, mode "constant" only: out[i] = in[i - pads_begin] inside, constant_value outside.
// Opset >= 11: pads (int64 [2*rank]: all begins then all ends) and constant_value are inputs
// (opset 18 adds axes); before 11 they are attributes. Negative pads crop.
// See: onnx/docs/Operators.md#Pad

import { allocData, tensor, toInts, type Tensor } from '../ir/tensor.js';
import type { ValueInfo } from '../ir/graph.js';
import { axisOf, fail, freshF32, need, needConst, type OpDef } from './op.js';
import { forEachIndex, stridesOf } from './strides.js';

export interface PadAttrs { pads?: number[]; value: number }

function resolvePads(x: ValueInfo, attrs: PadAttrs, pads: Tensor | undefined, axes: Tensor | undefined): number[] {
  const r = x.shape.length;
  const p = pads ? toInts(pads) : attrs.pads;
  if (!p) fail('missing pads');
  const ax = axes ? toInts(axes).map((a) => axisOf(a, r, 'pad axis')) : [...Array(r).keys()];
  if (p.length !== 2 * ax.length) fail(`pads has ${p.length} values, expected ${2 * ax.length}`);
  const full = new Array<number>(2 * r).fill(0);
  ax.forEach((a, i) => {
    full[a] = p[i]!;
    full[a + r] = p[i + ax.length]!;
  });
  return full;
}

export const Pad: OpDef<PadAttrs> = {
  type: 'Pad',
  arity: [1, 4],
  parse(a) {
    const mode = a.string('mode', 'constant');
    if (mode !== 'constant') fail(`mode '${mode}' is not supported (only 'constant')`);
    return { pads: a.ints('pads'), value: a.float('value', 0) };
  },
  infer([x, , cv], consts, attrs) {
    const X = need(x, 'data');
    if (X.dtype !== 'float32') fail(`data must be float32, got ${X.dtype}`);
    if (cv && !consts[2]) fail('constant_value must be a constant');
    const p = resolvePads(X, attrs, attrs.pads ? undefined : needConst(consts[1], 'pads'), consts[3]);
    const r = X.shape.length;
    const shape = X.shape.map((d, i) => d + p[i]! + p[i + r]!);
    if (shape.some((d) => d < 0)) fail('negative pads crop more than the input has');
    return [{ dtype: X.dtype, shape }];
  },
  run([x, pads, cv, axes], attrs, alloc = freshF32) {
    const X = need(x, 'data');
    const r = X.shape.length;
    const p = resolvePads(X, attrs, pads, axes);
    const shape = X.shape.map((d, i) => d + p[i]! + p[i + r]!);
    const value = cv && cv.data.length > 0 ? Number(cv.data[0]) : attrs.value;
    const size = shape.reduce((a, d) => a * d, 1);
    const out = (X.dtype === 'float32' ? alloc(size) : allocData(X.dtype, size)) as Float32Array;
    out.fill(value);
    const src = X.data as Float32Array, st = stridesOf(shape);
    forEachIndex(X.shape, (k, c) => {
      let o = 0;
      for (let d = 0; d < r; d++) {
        const oc = c[d]! + p[d]!;
        if (oc < 0 || oc >= shape[d]!) return; // cropped by a negative pad
        o += oc * st[d]!;
      }
      out[o] = src[k]!;
    });
    return [tensor(X.dtype, shape, out)];
  },
};
