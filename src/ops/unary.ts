// Elementwise unary float ops (one ONNX op per file uses this): shape in = shape out, float32,
// the op's function applied per element in float32. The integer path turns any of them into a
// 256-entry lookup table (src/quant/quantize-ops.ts): `fn` is also what builds that table.

import { f32 } from '../ir/tensor.js';
import type { AttrReader } from './attributes.js';
import { expectFloat, need, type OpDef } from './op.js';

/** An elementwise unary op: its attributes and the real function they select. */
export interface UnaryAttrs { fn: (x: number) => number }

export function unaryOp(type: string, parse: (a: AttrReader) => (x: number) => number): OpDef<UnaryAttrs> {
  return {
    type,
    arity: [1, 1],
    outputs: 1,
    parse: (a) => ({ fn: parse(a) }),
    infer([x]) {
      const X = need(x, 'X');
      expectFloat(X, 'X');
      return [{ dtype: 'float32', shape: X.shape }];
    },
    run([x], { fn }) {
      const X = need(x, 'X'), d = X.data as Float32Array;
      const y = new Float32Array(d.length);
      for (let i = 0; i < d.length; i++) y[i] = fn(d[i]!);
      return [f32(X.shape, y)];
    },
  };
}

/** The elementwise unary ops: registry entries and the lowering's test for a LUT. */
export function isUnary(attrs: unknown): attrs is UnaryAttrs {
  return typeof (attrs as UnaryAttrs | undefined)?.fn === 'function';
}
