// ONNX BatchNormalization, inference form only (one output):
//   Y = scale[c] * (X - mean[c]) / sqrt(var[c] + epsilon) + B[c]
// See: onnx/docs/Operators.md#BatchNormalization

import { f32 } from '../ir/tensor.js';
import { expectFloat, fail, need, type OpDef } from './op.js';

export interface BatchNormAttrs { epsilon: number }

export const BatchNormalization: OpDef<BatchNormAttrs> = {
  type: 'BatchNormalization',
  arity: [5, 5],
  outputs: 1,
  paramInputs: [1, 2, 3, 4],
  parse(a) {
    a.ignore('momentum'); // training only
    a.ignore('spatial'); // opset < 9; 1 (the default) is the only form exporters emit
    if (a.int('training_mode', 0) !== 0) fail('training_mode=1 is not supported (inference form only)');
    const epsilon = a.float('epsilon', 1e-5);
    if (!(epsilon >= 0)) fail(`epsilon must be >= 0, got ${epsilon}`);
    return { epsilon };
  },
  infer(inputs) {
    const x = need(inputs[0], 'input X');
    expectFloat(x, 'X');
    if (x.shape.length < 2) fail('X must have a channel axis');
    const c = x.shape[1]!;
    for (let i = 1; i < 5; i++) {
      const p = need(inputs[i], `input ${i}`);
      if (p.shape.length !== 1 || p.shape[0] !== c) fail(`parameter ${i} must have shape [${c}], got [${p.shape.join(',')}]`);
    }
    return [{ dtype: 'float32', shape: x.shape }];
  },
  run(inputs, { epsilon }) {
    const [x, s, b, mu, v] = inputs.map((t, i) => need(t, `input ${i}`).data as Float32Array) as Float32Array[];
    const X = inputs[0]!;
    const c = X.shape[1]!;
    const inner = X.shape.slice(2).reduce((p, d) => p * d, 1);
    const y = new Float32Array(x!.length);
    for (let o = 0; o < x!.length / (c * inner); o++) {
      for (let ch = 0; ch < c; ch++) {
        const k = s![ch]! / Math.sqrt(v![ch]! + epsilon);
        const base = (o * c + ch) * inner;
        for (let i = 0; i < inner; i++) y[base + i] = k * (x![base + i]! - mu![ch]!) + b![ch]!;
      }
    }
    return [f32(X.shape, y)];
  },
};
