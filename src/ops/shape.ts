// ONNX Shape: the input's shape as int64 [rank] (opset 15: the start..end part).
// Shapes are fixed at import, so it always folds to a constant.
// See: onnx/docs/Operators.md#Shape

import { int64 } from '../ir/tensor.js';
import { need, type OpDef } from './op.js';

export interface ShapeAttrs { start: number; end?: number }

function part(shape: readonly number[], { start, end }: ShapeAttrs): number[] {
  const r = shape.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  return shape.slice(clamp(start), end === undefined ? r : clamp(end));
}

export const Shape: OpDef<ShapeAttrs> = {
  type: 'Shape',
  arity: [1, 1],
  parse: (a) => ({ start: a.int('start', 0), end: a.int('end') }),
  infer: ([x], _c, attrs) => [{ dtype: 'int64', shape: [part(need(x, 'data').shape, attrs).length] }],
  run([x], attrs) {
    const p = part(need(x, 'data').shape, attrs);
    return [int64([p.length], p)];
  },
  foldFromShapes([x], attrs) {
    const p = part(need(x, 'data').shape, attrs);
    return [int64([p.length], p)];
  },
};
