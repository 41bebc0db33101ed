// ONNX Clip: Y = min(max(X, min), max). Opset >= 11 takes min/max as optional inputs,
// older opsets as attributes. NaN stays NaN. See: onnx/docs/Operators.md#Clip

import { f32, type Tensor } from '../ir/tensor.js';
import { expectFloat, fail, freshF32, need, type OpDef } from './op.js';

export interface ClipAttrs { min: number; max: number }

function scalar(t: Tensor | undefined, dflt: number, what: string): number {
  if (!t) return dflt;
  if (t.data.length !== 1) fail(`${what} must be a scalar`);
  return Number(t.data[0]);
}

export const Clip: OpDef<ClipAttrs> = {
  type: 'Clip',
  arity: [1, 3],
  parse(a) {
    return { min: a.float('min', -Infinity), max: a.float('max', Infinity) };
  },
  infer([x, mn, mx], consts) {
    const X = need(x, 'X');
    expectFloat(X, 'X');
    if ((mn && !consts[1]) || (mx && !consts[2])) fail('min/max must be constants');
    return [{ dtype: 'float32', shape: X.shape }];
  },
  run([x, mn, mx], attrs, alloc = freshF32) {
    const X = need(x, 'X'), d = X.data as Float32Array;
    const lo = scalar(mn, attrs.min, 'min'), hi = scalar(mx, attrs.max, 'max');
    const y = alloc(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      y[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return [f32(X.shape, y)];
  },
};

/** The constant clamp bounds of a Clip node (for activation fusion). */
export function clipBounds(attrs: ClipAttrs, mn: Tensor | undefined, mx: Tensor | undefined): [number, number] {
  return [scalar(mn, attrs.min, 'min'), scalar(mx, attrs.max, 'max')];
}
